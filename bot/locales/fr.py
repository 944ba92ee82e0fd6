"""French (Discord locale fr)."""

MESSAGES: dict[str, str] = {
    "command.ask": "Répondre à une question par des citations exactes du corpus.",
    "command.ask.question": "Ce que vous voulez savoir ; la réponse est citée mot pour mot dans les documents",
    "command.ask.results": "Nombre de passages à afficher par page (1-5)",
    "command.ask.private": "Vous seul voyez la réponse",
    "command.ask.claim": "Vérifier comme affirmation : citer ce qui s'y rapporte et marquer où la source diffère",
    "command.sources": "Lister les documents consultables depuis ce salon : titre, date, paragraphes, fichier.",
    "command.reindex": "Reconstruire les collections de ce serveur ; l'ancien index répond jusqu'à la fin.",
    # /gaps, and the reason a 👎 may give
    "command.gaps": "Les questions sans réponse et les 👎 de ce serveur, regroupés par question similaire.",
    "command.gaps.days": "Combien de jours en arrière regarder (1-90)",
    "gaps.title": "Lacunes du corpus : les {days} derniers jours",
    "gaps.none": "Aucune question sans réponse ni 👎 dans ce serveur ces {days} derniers jours.",
    "gaps.off": "Le journal des lacunes est désactivé pour ce bot : il n'y a rien à montrer.",
    "gaps.counts": "sans réponse : {unanswered} · 👎 : {down} · la dernière {when}",
    "gaps.and_more": "… et {count} de plus",
    "gaps.footer": "Questions similaires regroupées, les plus récentes d'abord. Aucun utilisateur n'est enregistré.",
    "answer.thread_deleted": "Question (supprimée)",
    "answer.question_gone": "(supprimée ou modifiée par son auteur)",
    "reason.title": "Que manquait-il ?",
    "reason.label": "Pourquoi cela n'a pas aidé ? (facultatif)",
    "reason.placeholder": "Une ligne, p. ex. : cite la mauvaise politique",
    "reply.question": "Question :",
    "reply.claim": "Affirmation :",
    "reply.not_found.question": "Je n'ai pas trouvé cela dans le corpus.",
    "reply.not_found.claim": "Aucun passage du corpus ne traite de ce point.",
    "reply.closest.question": (
        "Je n'ai pas trouvé cela dans le corpus. Les passages les plus proches figurent ci-dessous ; "
        "ils ne constituent **pas une réponse**."
    ),
    "reply.closest.claim": (
        "Aucun passage du corpus ne traite de ce point. Les passages les plus proches figurent ci-dessous ; "
        "ils ne constituent **pas une réponse**."
    ),
    "reply.stale": (
        "Certains passages ont été omis : leurs fichiers ont changé depuis l'indexation. "
        "Un modérateur peut lancer /reindex."
    ),
    "reply.closest_title": "Passage le plus proche — pas une réponse",
    "reply.open_source": "Ouvrir la source à ce passage",
    "reply.source": "Source",
    "reply.also_in": "Aussi dans",
    "reply.and_more": "… et {count} de plus",
    "reply.passage_of": "passage {number} sur {total}",
    "reply.not_an_answer": "pas une réponse",
    "match.strong": "forte correspondance",
    "match.fair": "correspondance moyenne",
    "match.weak": "faible correspondance",
    "button.more": "Plus de passages",
    "button.previous": "Précédent",
    "button.next": "Suivant",
    "button.not_yours": (
        "Seule la personne qui a posé la question peut parcourir ces passages ; posez la vôtre avec /ask."
    ),
    "button.already_rated": "Vous avez déjà noté cette réponse. Merci !",
    "button.thanks": "Merci, votre avis a été enregistré.",
    "button.failed": "Désolé, ce bouton a échoué de mon côté ; l'erreur a été consignée.",
    "button.gone": (
        "Ce bouton a expiré (sa réponse n'est plus conservée) ; reposez la question pour des passages à jour."
    ),
    "button.share": "Partager dans le salon",
    "share.by": "partagé par {name}",
    "share.not_yours": "Seule la personne qui a reçu cette réponse peut la partager.",
    "share.already": "Cette réponse a déjà été partagée dans le salon.",
    "share.hidden": "Non partagé : un passage vient d'une collection que ce salon ne peut pas voir.",
    "share.changed": (
        "Non partagé : les sources ont changé depuis cette réponse ; "
        "reposez la question pour partager les passages actuels."
    ),
    "share.cannot_post": "Non partagé : je ne peux pas publier dans ce salon.",
    "share.dm": "Dans un message privé, il n'y a pas de salon où partager.",
    "gate.none": (
        "Les passages de cette page ne sont plus disponibles (retirés ou modifiés depuis) ; reposez la question."
    ),
    "gate.claim_gone": "(le message d'où vient cette affirmation a été supprimé ou modifié, ou ne peut pas être lu)",
    "reply.left_out.one": "{count} passage a été omis : retiré ou modifié depuis, ou Discord n'a pas pu le confirmer.",
    "reply.left_out.other": (
        "{count} passages ont été omis : retirés ou modifiés depuis, ou Discord n'a pas pu les confirmer."
    ),
    "sources.none": (
        "Rien ne peut être consulté d'ici : aucune collection n'est associée à ce salon, ou aucune n'a encore "
        "de documents (ajoutez des fichiers .txt, .md, .html ou .pdf et lancez /reindex)."
    ),
    "sources.title.one": "Le corpus : {count} document",
    "sources.title.other": "Le corpus : {count} documents",
    "sources.paragraphs.one": "{count} paragraphe",
    "sources.paragraphs.other": "{count} paragraphes",
    "sources.messages.one": "{count} message",
    "sources.messages.other": "{count} messages",
    "sources.synced": "dernière synchronisation {when}",
    "answer.context": "Cherché avec la première question du fil : « {question} »",
    "command.config": "Choisir où le bot répond sur ce serveur (Gérer le serveur).",
    "command.config.answer": "Répondre à chaque question d'un salon ou forum de ce serveur sans mention.",
    "command.config.answer.channel": "Le salon textuel ou le forum où répondre",
    "command.config.answer.mode": "questions : seulement les messages finissant par ? ; all : tous les messages",
    "command.config.answer.reply": "thread : répondre dans un fil ouvert sur la question ; reply : en réponse",
    "command.config.off": "Ne plus répondre sans mention dans un salon ou forum de ce serveur.",
    "command.config.off.channel": "Le salon ou forum où ne plus répondre",
    "config.answer.set": "Je répondrai dans {channel} sans mention (mode : {mode}, réponse : {reply}).",
    "config.answer.restart": (
        "Enregistré : {channel} (mode : {mode}, réponse : {reply})."
        " Redémarrez le bot pour commencer : il lui faut l'intent Message Content"
        " (Developer Portal › Bot › Privileged Gateway Intents)."
    ),
    "config.answer.off": "Je ne réponds plus dans {channel} sans mention.",
    "config.answer.not_set": "{channel} n'est pas un salon de réponses.",
    "sources.page": "page {page} sur {pages}",
    "reindex.config_invalid": (
        "Rien n'a changé : quotebot.toml contient une erreur, le bot continue donc de répondre avec l'index et "
        "les règles précédents. Le journal du bot indique quoi corriger (ou lancez `quotebot build --check` "
        "là où il tourne)."
    ),
    "reindex.nothing": "Ce serveur ne peut consulter aucune collection ; aucune n'a donc été reconstruite pour lui.",
    "reindex.done": (
        "Réindexation terminée : {summary} en {seconds} s ; les nouvelles questions utilisent le nouvel index."
    ),
    "reindex.summary.one": "{passages} passages issus de {documents} document",
    "reindex.summary.other": "{passages} passages issus de {documents} documents",
    "reindex.busy": (
        "Une réindexation est déjà en cours ; le bot répond avec l'index actuel jusqu'à ce qu'elle se termine"
    ),
    "limit.cooldown.one": (
        "Doucement : vous pouvez poser {rate} question toutes les {per} secondes. Réessayez dans {wait} s."
    ),
    "limit.cooldown.other": (
        "Doucement : vous pouvez poser {rate} questions toutes les {per} secondes. Réessayez dans {wait} s."
    ),
    "limit.restarting": "Le bot redémarre : reposez votre question dans une minute.",
    "limit.busy": "Je réponds déjà à d'autres questions ; réessayez dans un instant.",
    "limit.global": "Trop de questions en ce moment ; réessayez dans {wait} s.",
    "question.empty": (
        "Posez-moi une question sur les documents que je cite avec `/ask question:` (`/sources` les liste)."
    ),
    "question.empty_example": (
        "Posez-moi une question sur les documents que je cite, par exemple `/ask question: {example}`"
    ),
    "claim.empty": "Ce message ne contient aucun texte que je puisse vérifier dans le corpus.",
    "question.too_long": (
        "Votre question fait {length} caractères ; j'en accepte au plus {limit}. "
        "Raccourcissez-la à ce que vous voulez vérifier."
    ),
    "claim.too_long": (
        "Ce message fait {length} caractères ; j'en accepte au plus {limit}. "
        "Raccourcissez-le à la partie que vous voulez vérifier."
    ),
    "error.apology": (
        "Désolé, un problème est survenu de mon côté. L'erreur a été consignée ; veuillez réessayer plus tard."
    ),
    "error.not_sent": "Désolé, Discord n'a pas accepté ma réponse à l'instant ; veuillez réessayer dans un moment.",
    "error.loading": "L'index est encore en cours de chargement : réessayez dans un instant",
    "error.permission": "Vous avez besoin de la permission « {permission} » pour faire cela.",
    "error.server_only": "Cette commande ne fonctionne que sur un serveur.",
    "error.not_here": "Vous ne pouvez pas utiliser cette commande ici.",
    "error.updated": (
        "Cette commande vient d'être mise à jour ; laissez à Discord une minute pour l'actualiser, puis réessayez."
    ),
    "error.bad_option": "Je n'ai pas pu lire l'une des options ; vérifiez-les et réessayez.",
    "permission.manage_guild": "Gérer le serveur",
    "command.forget_me": "Ne plus jamais citer mes messages Discord, dans aucune collection.",
    "command.remember_me": "Permettre de nouveau de citer mes messages Discord.",
    "forget.done": (
        "C'est fait : vos messages Discord ne seront plus cités, dans aucune collection. /remember-me annule."
    ),
    "forget.already": "Vous l'avez déjà demandé : vos messages Discord ne sont pas cités. /remember-me annule.",
    "remember.done": "C'est fait : vos messages Discord peuvent de nouveau être cités là où leur salon est une source.",
    "remember.wait": (
        "Vous avez lancé /remember-me il y a un instant : vos salons sont en cours de relecture. "
        "Réessayez dans {seconds} s."
    ),
    "remember.not_forgotten": "Vous n'aviez pas demandé à être oublié : rien n'a changé.",
    # Fact-check mode: where a quote differs from the claim (the bot's words, never a verdict)
    "claim.number": "indique un autre nombre : « {quote} », là où l'affirmation dit « {claim} »",
    "claim.ordinal": "indique un autre nombre : « {quote} », là où l'affirmation dit « {claim} »",
    "claim.date": "indique une autre date : « {quote} », là où l'affirmation dit « {claim} »",
    "claim.name": "nomme quelqu'un ou quelque chose d'autre : « {quote} », là où l'affirmation dit « {claim} »",
    "claim.negated": "contient une négation que l'affirmation n'a pas : « {quote} »",
    "claim.unnegated": "le dit sans le « {claim} » de l'affirmation",
    "claim.absent": "ne mentionne pas « {claim} »",
}
