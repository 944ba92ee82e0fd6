"""English: the catalog's reference, and what every locale without a translation gets."""

MESSAGES: dict[str, str] = {
    # Slash commands: Discord shows at most 100 characters of each description.
    "command.ask": "Answer a question with verbatim quotes from the corpus.",
    "command.ask.question": "What you want to know; the answer is quoted word for word from the documents",
    "command.ask.results": "How many passages to show per page (1-5)",
    "command.ask.private": "Only you see the answer",
    "command.sources": "List the documents this channel can search: title, date, paragraphs, file.",
    "command.reindex": "Rebuild this server's collections from their folders; the old index answers until it is done.",
    # Answers
    "reply.question": "Question:",
    "reply.claim": "Claim:",
    "reply.not_found.question": "I couldn't find this in the corpus.",
    "reply.not_found.claim": "No passage in the corpus addresses this.",
    "reply.closest.question": (
        "I couldn't find this in the corpus. The closest passages are below; they are **not an answer**."
    ),
    "reply.closest.claim": (
        "No passage in the corpus addresses this. The closest passages are below; they are **not an answer**."
    ),
    "reply.stale": "Some passages were left out: their files changed since indexing. A moderator can run /reindex.",
    "reply.closest_title": "Closest passage — not an answer",
    "reply.open_source": "Open the source at this passage",
    "reply.source": "Source",
    "reply.also_in": "Also in",
    "reply.and_more": "… and {count} more",
    "reply.confidence": "confidence {value}",
    "reply.passage_of": "passage {number} of {total}",
    "reply.not_an_answer": "not an answer",
    "match.strong": "strong match",
    "match.fair": "fair match",
    "match.weak": "weak match",
    # Buttons, and what a click answers privately
    "button.more": "More passages",
    "button.previous": "Previous",
    "button.next": "Next",
    "button.not_yours": "Only the person who asked can page through these passages; ask your own with /ask.",
    "button.already_rated": "You already rated this answer. Thanks!",
    "button.thanks": "Thanks, your feedback was noted.",
    "button.failed": "Sorry, that button failed on my side; the error was logged.",
    # /sources
    "sources.none": (
        "Nothing can be searched from here: no collection is mapped to this channel, or none has documents "
        "yet (add .txt, .md, .html or .pdf files and run /reindex)."
    ),
    "sources.title.one": "The corpus: {count} document",
    "sources.title.other": "The corpus: {count} documents",
    "sources.paragraphs.one": "{count} paragraph",
    "sources.paragraphs.other": "{count} paragraphs",
    "sources.messages.one": "{count} message",
    "sources.messages.other": "{count} messages",
    "sources.synced": "last sync {when}",
    "sources.page": "page {page} of {pages}",
    # /reindex
    "reindex.config_invalid": (
        "Nothing changed: quotebot.toml has an error, so the bot keeps answering with the previous index and rules. "
        "The bot's log says what to fix (or run `quotebot build --check` where it runs)."
    ),
    "reindex.nothing": "This server can search no collection, so none was rebuilt for it.",
    "reindex.done": "Reindexed {summary} in {seconds} s; new questions use the new index.",
    "reindex.summary.one": "{passages} passages from {documents} document",
    "reindex.summary.other": "{passages} passages from {documents} documents",
    "reindex.busy": "A reindex is already running; the bot answers from the current index until it ends",
    # Limits and refused questions
    "limit.cooldown.one": "Easy there: you can ask {rate} question every {per} seconds. Try again in {wait} s.",
    "limit.cooldown.other": "Easy there: you can ask {rate} questions every {per} seconds. Try again in {wait} s.",
    "limit.busy": "I'm busy answering other questions; try again in a moment.",
    "limit.global": "Too many questions right now; try again in {wait} s.",
    "question.empty": "Ask me a question about the corpus, e.g. `/ask question: What should ICT providers not do?`",
    "claim.empty": "That message has no text I can check against the corpus.",
    "question.too_long": (
        "Your question is {length} characters long; I can take up to {limit}. Shorten it to the part you want checked."
    ),
    "claim.too_long": (
        "That message is {length} characters long; I can take up to {limit}. Shorten it to the part you want checked."
    ),
    # Errors
    "error.apology": "Sorry, something went wrong on my side. The error was logged; please try again later.",
    "error.not_sent": "Sorry, Discord did not accept my answer just now; please try again in a moment.",
    "error.loading": "The index is still loading: try again in a moment",
    "error.permission": "You need the {permission} permission to do that.",
    "error.server_only": "This command only works in a server.",
    "error.not_here": "You can't use this command here.",
    "error.updated": "This command was just updated; give Discord a minute to refresh it, then try again.",
    "error.bad_option": "I couldn't read one of the options; check them and try again.",
    "permission.manage_guild": "Manage Server",
    "command.forget_me": "Never quote my Discord messages again, in any collection.",
    "command.remember_me": "Let my Discord messages be quoted again.",
    "forget.done": "Done: your Discord messages will not be quoted again, in any collection. /remember-me undoes it.",
    "forget.already": "You asked already: your Discord messages are not quoted. /remember-me undoes it.",
    "remember.done": "Done: your Discord messages may be quoted again where their channel is a source.",
    "remember.not_forgotten": "You had not asked to be forgotten: nothing changed.",
}
