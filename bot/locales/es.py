"""Spanish (Discord locales es-ES and es-419): one text for both, in the informal "tú" Discord itself uses."""

MESSAGES: dict[str, str] = {
    "command.ask": "Responde a una pregunta con citas textuales del corpus.",
    "command.ask.question": "Lo que quieres saber; la respuesta se cita palabra por palabra de los documentos",
    "command.ask.results": "Cuántos pasajes mostrar por página (1-5)",
    "command.ask.private": "Solo tú ves la respuesta",
    "command.ask.claim": "Compruébalo como afirmación: cita lo pertinente y marca dónde difiere la fuente",
    "command.sources": "Lista los documentos que este canal puede consultar: título, fecha, párrafos, archivo.",
    "command.reindex": "Reconstruye las colecciones de este servidor; el índice anterior responde hasta que termine.",
    # /gaps, and the reason a 👎 may give
    "command.gaps": "Muestra las preguntas sin respuesta y los 👎 de este servidor, agrupados por pregunta.",
    "command.gaps.days": "Cuántos días hacia atrás mirar (1-90)",
    "gaps.title": "Lagunas de conocimiento: últimos {days} días",
    "gaps.none": "Ninguna pregunta sin respuesta ni 👎 en este servidor en los últimos {days} días.",
    "gaps.off": "El registro de lagunas está desactivado en este bot, así que no hay nada que mostrar.",
    "gaps.counts": "sin respuesta: {unanswered} · 👎: {down} · la última {when}",
    "gaps.and_more": "… y {count} más",
    "gaps.footer": "Las preguntas similares se agrupan, las más recientes primero. No se registra ningún usuario.",
    "answer.thread_deleted": "Pregunta (eliminada)",
    "answer.question_gone": "(borrada o editada por quien preguntó)",
    "reason.title": "¿Qué faltaba?",
    "reason.label": "¿Por qué no ayudó? (opcional)",
    "reason.placeholder": "Una línea, p. ej.: cita la política equivocada",
    "reply.question": "Pregunta:",
    "reply.claim": "Afirmación:",
    "reply.not_found.question": "No encontré esto en el corpus.",
    "reply.not_found.claim": "Ningún pasaje del corpus trata esto.",
    "reply.closest.question": (
        "No encontré esto en el corpus. Los pasajes más cercanos están abajo; **no son una respuesta**."
    ),
    "reply.closest.claim": (
        "Ningún pasaje del corpus trata esto. Los pasajes más cercanos están abajo; **no son una respuesta**."
    ),
    "reply.stale": (
        "Se omitieron algunos pasajes: sus archivos cambiaron desde la indexación. "
        "Un moderador puede ejecutar /reindex."
    ),
    "reply.closest_title": "Pasaje más cercano — no es una respuesta",
    "reply.open_source": "Abrir la fuente en este pasaje",
    "reply.source": "Fuente",
    "reply.also_in": "También en",
    "reply.and_more": "… y {count} más",
    "reply.passage_of": "pasaje {number} de {total}",
    "reply.not_an_answer": "no es una respuesta",
    "match.strong": "coincidencia fuerte",
    "match.fair": "coincidencia media",
    "match.weak": "coincidencia débil",
    "button.more": "Más pasajes",
    "button.previous": "Anterior",
    "button.next": "Siguiente",
    "button.not_yours": "Solo quien hizo la pregunta puede pasar estas páginas; haz la tuya con /ask.",
    "button.already_rated": "Ya valoraste esta respuesta. ¡Gracias!",
    "button.thanks": "Gracias, tomamos nota de tu opinión.",
    "button.failed": "Lo siento, ese botón falló por mi parte; el error quedó registrado.",
    "button.gone": "Este botón caducó (su respuesta ya no se guarda); pregunta de nuevo para ver pasajes actuales.",
    "button.share": "Compartir en el canal",
    "share.by": "compartido por {name}",
    "share.not_yours": "Solo quien recibió esta respuesta puede compartirla.",
    "share.already": "Esta respuesta ya se compartió en el canal.",
    "share.hidden": "No se compartió: un pasaje viene de una colección que este canal no puede ver.",
    "share.changed": (
        "No se compartió: las fuentes cambiaron desde esta respuesta; "
        "pregunta de nuevo para compartir los pasajes actuales."
    ),
    "share.cannot_post": "No se compartió: no puedo publicar en este canal.",
    "share.dm": "En un mensaje directo no hay ningún canal donde compartir.",
    "gate.none": (
        "Los pasajes de esa página ya no están disponibles (retirados o cambiados desde entonces); pregunta de nuevo."
    ),
    "gate.claim_gone": "(el mensaje del que se tomó esta afirmación fue borrado o cambiado, o no se puede leer ahora)",
    "reply.left_out.one": (
        "Se omitió {count} pasaje: retirado o cambiado desde entonces, o Discord no pudo confirmarlo ahora."
    ),
    "reply.left_out.other": (
        "Se omitieron {count} pasajes: retirados o cambiados desde entonces, o Discord no pudo confirmarlos ahora."
    ),
    "sources.none": (
        "Desde aquí no se puede consultar nada: ninguna colección está asignada a este canal, o ninguna tiene "
        "documentos todavía (añade archivos .txt, .md, .html o .pdf y ejecuta /reindex)."
    ),
    "sources.title.one": "El corpus: {count} documento",
    "sources.title.other": "El corpus: {count} documentos",
    "sources.paragraphs.one": "{count} párrafo",
    "sources.paragraphs.other": "{count} párrafos",
    "sources.messages.one": "{count} mensaje",
    "sources.messages.other": "{count} mensajes",
    "sources.synced": "última sincronización {when}",
    "answer.context": "Buscado junto con la primera pregunta del hilo: «{question}»",
    "command.config": "Configurar dónde responde el bot en este servidor (Gestionar servidor).",
    "command.config.answer": "Responder cada pregunta de un canal o foro de este servidor sin mención.",
    "command.config.answer.channel": "El canal de texto o foro donde responder",
    "command.config.answer.mode": "questions: solo mensajes que terminan en ?; all: todos los mensajes",
    "command.config.answer.reply": "thread: responder en un hilo abierto sobre la pregunta; reply: como respuesta",
    "command.config.off": "Dejar de responder sin mención en un canal o foro de este servidor.",
    "command.config.off.channel": "El canal o foro donde dejar de responder",
    "config.answer.set": "Responderé en {channel} sin mención (modo: {mode}, respuesta: {reply}).",
    "config.answer.restart": (
        "Guardado: {channel} (modo: {mode}, respuesta: {reply})."
        " Reinicie el bot para empezar: necesita el intent Message Content"
        " (Developer Portal › Bot › Privileged Gateway Intents)."
    ),
    "config.answer.off": "Ya no respondo en {channel} sin mención.",
    "config.answer.not_set": "{channel} no es un canal de respuestas.",
    "sources.page": "página {page} de {pages}",
    "reindex.config_invalid": (
        "No cambió nada: quotebot.toml tiene un error, así que el bot sigue respondiendo con el índice y las reglas "
        "anteriores. El registro del bot indica qué corregir (o ejecuta `quotebot build --check` donde se ejecuta)."
    ),
    "reindex.nothing": "Este servidor no puede consultar ninguna colección, así que no se reconstruyó ninguna para él.",
    "reindex.done": "Reindexación completada: {summary} en {seconds} s; las preguntas nuevas usan el índice nuevo.",
    "reindex.summary.one": "{passages} pasajes de {documents} documento",
    "reindex.summary.other": "{passages} pasajes de {documents} documentos",
    "reindex.busy": "Ya hay una reindexación en curso; el bot responde con el índice actual hasta que termine",
    "limit.cooldown.one": (
        "Con calma: puedes hacer {rate} pregunta cada {per} segundos. Vuelve a intentarlo en {wait} s."
    ),
    "limit.cooldown.other": (
        "Con calma: puedes hacer {rate} preguntas cada {per} segundos. Vuelve a intentarlo en {wait} s."
    ),
    "limit.restarting": "El bot se está reiniciando: vuelva a preguntar en un minuto.",
    "limit.busy": "Estoy respondiendo otras preguntas; inténtalo de nuevo en un momento.",
    "limit.global": "Demasiadas preguntas en este momento; inténtalo de nuevo en {wait} s.",
    "question.empty": "Hazme una pregunta sobre los documentos que cito con `/ask question:` (`/sources` los lista).",
    "question.empty_example": "Hazme una pregunta sobre los documentos que cito, p. ej. `/ask question: {example}`",
    "claim.empty": "Ese mensaje no tiene texto que pueda contrastar con el corpus.",
    "question.too_long": (
        "Tu pregunta tiene {length} caracteres; admito hasta {limit}. Acórtala a lo que quieres comprobar."
    ),
    "claim.too_long": (
        "Ese mensaje tiene {length} caracteres; admito hasta {limit}. Acórtalo a la parte que quieres comprobar."
    ),
    "error.apology": "Lo siento, algo salió mal por mi parte. El error quedó registrado; inténtalo de nuevo más tarde.",
    "error.not_sent": "Lo siento, Discord no aceptó mi respuesta ahora mismo; inténtalo de nuevo en un momento.",
    "error.loading": "El índice todavía se está cargando: inténtalo de nuevo en un momento",
    "error.permission": "Necesitas el permiso «{permission}» para hacer eso.",
    "error.server_only": "Este comando solo funciona en un servidor.",
    "error.not_here": "No puedes usar este comando aquí.",
    "error.updated": (
        "Este comando se acaba de actualizar; dale a Discord un minuto para refrescarlo y vuelve a intentarlo."
    ),
    "error.bad_option": "No pude leer una de las opciones; revísalas y vuelve a intentarlo.",
    "permission.manage_guild": "Gestionar servidor",
    "command.forget_me": "No volver a citar nunca mis mensajes de Discord, en ninguna colección.",
    "command.remember_me": "Permitir de nuevo que se citen mis mensajes de Discord.",
    "forget.done": (
        "Hecho: tus mensajes de Discord no se volverán a citar en ninguna colección. /remember-me lo deshace."
    ),
    "forget.already": "Ya lo habías pedido: tus mensajes de Discord no se citan. /remember-me lo deshace.",
    "remember.done": "Hecho: tus mensajes de Discord pueden citarse de nuevo donde su canal sea una fuente.",
    "remember.wait": (
        "Ejecutaste /remember-me hace un momento: tus canales se están leyendo de nuevo. Inténtalo "
        "de nuevo en {seconds} s."
    ),
    "remember.not_forgotten": "No habías pedido que te olvidaran: no ha cambiado nada.",
    # Fact-check mode: where a quote differs from the claim (the bot's words, never a verdict)
    "claim.number": "indica otra cifra: «{quote}», donde la afirmación dice «{claim}»",
    "claim.ordinal": "indica otra cifra: «{quote}», donde la afirmación dice «{claim}»",
    "claim.date": "indica otra fecha: «{quote}», donde la afirmación dice «{claim}»",
    "claim.name": "nombra a otro: «{quote}», donde la afirmación dice «{claim}»",
    "claim.negated": "contiene una negación que la afirmación no hace: «{quote}»",
    "claim.unnegated": "lo dice sin el «{claim}» de la afirmación",
    "claim.absent": "no menciona «{claim}»",
}
