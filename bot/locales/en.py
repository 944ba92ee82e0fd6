"""English: the catalog's reference, and what every locale without a translation gets."""

MESSAGES: dict[str, str] = {
    # Slash commands: Discord shows at most 100 characters of each description.
    "command.ask": "Answer a question with verbatim quotes from the corpus.",
    "command.ask.question": "What you want to know; the answer is quoted word for word from the documents",
    "command.ask.results": "How many passages to show per page (1-5)",
    "command.ask.private": "Only you see the answer",
    "command.ask.claim": "Check it as a claim: quote what bears on it and mark where the source differs",
    "command.sources": "List the documents this channel can search: title, date, paragraphs, file.",
    "command.reindex": "Rebuild this server's collections from their folders; the old index answers until it is done.",
    # /gaps, and the reason a 👎 may give
    "command.gaps": "Show this server's unanswered questions and 👎, grouped by similar question.",
    "command.gaps.days": "How many days back to look (1-90)",
    "gaps.title": "Knowledge gaps: the last {days} days",
    "gaps.none": "No unanswered questions or 👎 in this server in the last {days} days.",
    "gaps.off": "The gaps log is switched off for this bot, so there is nothing to show.",
    "gaps.counts": "{unanswered} unanswered · {down} 👎 · latest {when}",
    "gaps.and_more": "… and {count} more",
    "gaps.footer": "Similar questions are grouped, newest first. No user is recorded.",
    "answer.thread_deleted": "Question (deleted)",  # a thread renamed when its question is deleted
    "answer.question_gone": "(deleted or edited by whoever asked)",
    "reason.title": "What was missing?",
    "reason.label": "Why didn't this help? (optional)",
    "reason.placeholder": "One line, e.g. it quotes the wrong policy",
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
    "button.gone": "This button has expired (its answer is no longer kept); ask again for fresh passages.",
    "button.share": "Share in channel",
    "share.by": "shared by {name}",
    "share.not_yours": "Only the person who got this answer can share it.",
    "share.already": "This answer was already shared in the channel.",
    "share.hidden": "Not shared: a passage here comes from a collection this channel may not see.",
    "share.changed": (
        "Not shared: the sources changed since this answer; ask again to share the passages as they are now."
    ),
    "share.cannot_post": "Not shared: I can't post in this channel.",
    "share.dm": "There is no channel to share into in a direct message.",
    "gate.none": "The passages of that page are no longer available (withdrawn or changed since); ask again.",
    "gate.claim_gone": "(the message this claim was taken from was deleted or changed, or cannot be read now)",
    "reply.left_out.one": (
        "{count} passage was left out: withdrawn or changed since, or Discord could not confirm it just now."
    ),
    "reply.left_out.other": (
        "{count} passages were left out: withdrawn or changed since, or Discord could not confirm them just now."
    ),
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
    "answer.context": "Searched together with the thread's first question: “{question}”",
    "command.config": "Set up where the bot answers in this server (Manage Server).",
    "command.config.answer": "Answer every question in a channel or forum of this server without a mention.",
    "command.config.answer.channel": "The text channel or forum to answer in",
    "command.config.answer.mode": "questions: only messages ending in ?; all: every message (text channels)",
    "command.config.answer.reply": "thread: answer in a thread started on the question; reply: answer as a reply",
    "command.config.off": "Stop answering without a mention in a channel or forum of this server.",
    "command.config.off.channel": "The channel or forum to stop answering in",
    "config.answer.set": "I will answer in {channel} without a mention (mode: {mode}, reply: {reply}).",
    "config.answer.restart": (
        "Saved: {channel} (mode: {mode}, reply: {reply}). Restart the bot to start: it needs the Message Content intent"
        " (Developer Portal › Bot › Privileged Gateway Intents)."
    ),
    "config.answer.off": "I no longer answer in {channel} without a mention.",
    "config.answer.not_set": "{channel} is not an answer channel.",
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
    "limit.restarting": "The bot is restarting: ask again in a minute.",
    "limit.busy": "I'm busy answering other questions; try again in a moment.",
    "limit.global": "Too many questions right now; try again in {wait} s.",
    "question.empty": "Ask me a question about the documents I quote with `/ask question:` (`/sources` lists them).",
    "question.empty_example": "Ask me a question about the documents I quote, e.g. `/ask question: {example}`",
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
    "remember.wait": "You ran /remember-me a moment ago: your channels are being read again. Try again in {seconds} s.",
    "remember.not_forgotten": "You had not asked to be forgotten: nothing changed.",
    # Fact-check mode: where a quote differs from the claim (the bot's words, never a verdict)
    "claim.number": "states a different number: “{quote}”, where the claim says “{claim}”",
    "claim.ordinal": "states a different number: “{quote}”, where the claim says “{claim}”",
    "claim.date": "states a different date: “{quote}”, where the claim says “{claim}”",
    "claim.name": "names another: “{quote}”, where the claim says “{claim}”",
    "claim.negated": "states a negation the claim does not make: “{quote}”",
    "claim.unnegated": "states it without the claim's “{claim}”",
    "claim.absent": "does not mention “{claim}”",
}
