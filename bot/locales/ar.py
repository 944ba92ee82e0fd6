"""Arabic (ar).

Discord's clients offer no Arabic yet, so members reach these texts only if Discord adds the locale; the CLI's
`--locale ar` shows them. A counted noun in Arabic changes form with the number, so where the number varies the
texts name the count ("عدد الفقرات: 3"), which is right for every number.
"""

MESSAGES: dict[str, str] = {
    "command.ask": "الإجابة عن سؤال باقتباسات حرفية من مجموعة الوثائق.",
    "command.ask.question": "ما تريد معرفته؛ تُقتبس الإجابة من الوثائق كلمةً كلمة",
    "command.ask.results": "عدد المقاطع المعروضة في كل صفحة (1-5)",
    "command.ask.private": "لن يرى الإجابة أحد سواك",
    "command.sources": "عرض الوثائق التي يمكن البحث فيها من هذه القناة: العنوان والتاريخ والفقرات والملف.",
    "command.reindex": "إعادة بناء مجموعات هذا الخادم؛ يظل الفهرس القديم يجيب حتى يكتمل الجديد.",
    # /gaps, and the reason a 👎 may give
    "command.gaps": "عرض الأسئلة التي لم تُجَب وتقييمات 👎 في هذا الخادم، مجمّعة حسب السؤال المتشابه.",
    "command.gaps.days": "عدد الأيام الماضية التي يشملها العرض (1-90)",
    "gaps.title": "ثغرات المعرفة: آخر {days} يومًا",
    "gaps.none": "لا توجد أسئلة بلا إجابة ولا 👎 في هذا الخادم خلال آخر {days} يومًا.",
    "gaps.off": "سجل الثغرات معطّل في هذا البوت، فلا شيء لعرضه.",
    "gaps.counts": "بلا إجابة: {unanswered} · 👎: {down} · آخرها {when}",
    "gaps.and_more": "… و{count} أخرى",
    "gaps.footer": "الأسئلة المتشابهة مجمّعة، والأحدث أولًا. لا يُسجَّل أي مستخدم.",
    "answer.thread_deleted": "سؤال (محذوف)",
    "answer.question_gone": "(حذفه أو عدّله من طرحه)",
    "reason.title": "ما الذي كان ناقصًا؟",
    "reason.label": "لماذا لم يساعد هذا؟ (اختياري)",
    "reason.placeholder": "سطر واحد، مثلًا: يقتبس السياسة الخطأ",
    "reply.question": "السؤال:",
    "reply.claim": "الادعاء:",
    "reply.not_found.question": "لم أجد هذا في مجموعة الوثائق.",
    "reply.not_found.claim": "لا يتناول أي مقطع في مجموعة الوثائق هذا الأمر.",
    "reply.closest.question": "لم أجد هذا في مجموعة الوثائق. أقرب المقاطع معروضة أدناه، وهي **ليست إجابة**.",
    "reply.closest.claim": (
        "لا يتناول أي مقطع في مجموعة الوثائق هذا الأمر. أقرب المقاطع معروضة أدناه، وهي **ليست إجابة**."
    ),
    "reply.stale": "أُغفلت بعض المقاطع لأن ملفاتها تغيّرت منذ الفهرسة. يمكن للمشرف تشغيل /reindex.",
    "reply.closest_title": "أقرب مقطع — ليس إجابة",
    "reply.open_source": "افتح المصدر عند هذا المقطع",
    "reply.source": "المصدر",
    "reply.also_in": "يرد أيضًا في",
    "reply.and_more": "… وغيرها: {count}",
    "reply.confidence": "الثقة {value}",
    "reply.passage_of": "المقطع {number} من {total}",
    "reply.not_an_answer": "ليس إجابة",
    "match.strong": "تطابق قوي",
    "match.fair": "تطابق متوسط",
    "match.weak": "تطابق ضعيف",
    "button.more": "مزيد من المقاطع",
    "button.previous": "السابق",
    "button.next": "التالي",
    "button.not_yours": "وحده صاحب السؤال يستطيع تصفّح هذه المقاطع؛ اطرح سؤالك باستخدام /ask.",
    "button.already_rated": "لقد قيّمت هذه الإجابة من قبل. شكرًا!",
    "button.thanks": "شكرًا، سُجّل رأيك.",
    "button.failed": "عذرًا، تعطّل هذا الزر من جهتي؛ وسُجّل الخطأ.",
    "button.gone": "انتهت صلاحية هذا الزر (لم تعد إجابته محفوظة)؛ اسأل من جديد للحصول على مقاطع جديدة.",
    "button.share": "مشاركة في القناة",
    "share.by": "شاركه {name}",
    "share.not_yours": "لا يستطيع مشاركة هذه الإجابة إلا من تلقّاها.",
    "share.already": "سبقت مشاركة هذه الإجابة في القناة.",
    "share.hidden": "لم تتم المشاركة: أحد المقاطع هنا من مجموعة لا يحق لهذه القناة رؤيتها.",
    "share.changed": "لم تتم المشاركة: تغيّرت المصادر منذ هذه الإجابة؛ اسأل مجددًا لمشاركة المقاطع كما هي الآن.",
    "share.cannot_post": "لم تتم المشاركة: لا أستطيع النشر في هذه القناة.",
    "share.dm": "لا توجد قناة للمشاركة فيها داخل رسالة خاصة.",
    "gate.none": "لم تعد مقاطع تلك الصفحة متاحة (سُحبت أو تغيّرت منذ ذلك الحين)؛ اطرح السؤال مرة أخرى.",
    "gate.claim_gone": "(الرسالة التي أُخذ منها هذا الادعاء حُذفت أو تغيّرت، أو لا يمكن قراءتها الآن)",
    "reply.left_out.one": "حُذف {count} مقطع من العرض: سُحب أو تغيّر، أو لم يستطع Discord تأكيده الآن.",
    "reply.left_out.other": "حُذفت {count} مقاطع من العرض: سُحبت أو تغيّرت، أو لم يستطع Discord تأكيدها الآن.",
    "sources.none": (
        "لا يمكن البحث في شيء من هنا: لا توجد مجموعة مرتبطة بهذه القناة، أو لا تحتوي أي مجموعة على وثائق بعد "
        "(أضف ملفات .txt أو .md أو .html أو .pdf ثم شغّل /reindex)."
    ),
    "sources.title.one": "مجموعة الوثائق — عدد الوثائق: {count}",
    "sources.title.other": "مجموعة الوثائق — عدد الوثائق: {count}",
    "sources.paragraphs.one": "عدد الفقرات: {count}",
    "sources.paragraphs.other": "عدد الفقرات: {count}",
    "sources.messages.one": "عدد الرسائل: {count}",
    "sources.messages.other": "عدد الرسائل: {count}",
    "sources.synced": "آخر مزامنة {when}",
    "answer.context": "بحثتُ مع السؤال الأول في السلسلة: «{question}»",
    "command.config": "اختيار أين يجيب البوت في هذا الخادم (إدارة الخادم).",
    "command.config.answer": "الإجابة عن كل سؤال في قناة أو منتدى في هذا الخادم دون إشارة.",
    "command.config.answer.channel": "القناة النصية أو المنتدى للإجابة فيه",
    "command.config.answer.mode": "questions: الرسائل المنتهية بـ ? فقط؛ all: كل الرسائل",
    "command.config.answer.reply": "thread: الإجابة في سلسلة تبدأ من السؤال؛ reply: الإجابة كرد",
    "command.config.off": "التوقف عن الإجابة دون إشارة في قناة أو منتدى في هذا الخادم.",
    "command.config.off.channel": "القناة أو المنتدى للتوقف عن الإجابة فيه",
    "config.answer.set": "سأجيب في {channel} دون إشارة (الوضع: {mode}، الرد: {reply}).",
    "config.answer.restart": (
        "تم الحفظ: {channel} (الوضع: {mode}، الرد: {reply}). أعد تشغيل البوت للبدء: يحتاج إلى Message Content"
        " (Developer Portal › Bot › Privileged Gateway Intents)."
    ),
    "config.answer.off": "لم أعد أجيب في {channel} دون إشارة.",
    "config.answer.not_set": "{channel} ليست قناة إجابات.",
    "sources.page": "الصفحة {page} من {pages}",
    "reindex.config_invalid": (
        "لم يتغير شيء: في ملف quotebot.toml خطأ، لذا يواصل البوت الإجابة بالفهرس والقواعد السابقة. "
        "يوضح سجل البوت ما يجب إصلاحه (أو شغّل `quotebot build --check` حيث يعمل البوت)."
    ),
    "reindex.nothing": "لا يستطيع هذا الخادم البحث في أي مجموعة، لذا لم يُعَد بناء أي منها له.",
    "reindex.done": "اكتملت إعادة الفهرسة ({summary}) في {seconds} ث؛ تستخدم الأسئلة الجديدة الفهرس الجديد.",
    "reindex.summary.one": "المقاطع: {passages}، الوثائق: {documents}",
    "reindex.summary.other": "المقاطع: {passages}، الوثائق: {documents}",
    "reindex.busy": "إعادة الفهرسة جارية بالفعل؛ يجيب البوت من الفهرس الحالي حتى تنتهي",
    "limit.cooldown.one": "على رِسلك: الحد المسموح {rate} من الأسئلة كل {per} ث. حاول مجددًا بعد {wait} ث.",
    "limit.cooldown.other": "على رِسلك: الحد المسموح {rate} من الأسئلة كل {per} ث. حاول مجددًا بعد {wait} ث.",
    "limit.restarting": "البوت يُعاد تشغيله: اسأل مرة أخرى بعد دقيقة.",
    "limit.busy": "أنا منشغل بالإجابة عن أسئلة أخرى؛ حاول مجددًا بعد قليل.",
    "limit.global": "الأسئلة كثيرة جدًا الآن؛ حاول مجددًا بعد {wait} ث.",
    "question.empty": (
        "اطرح عليّ سؤالًا عن مجموعة الوثائق، مثلًا "
        "`/ask question: ما الذي ينبغي ألا يفعله مزوّدو تكنولوجيا المعلومات والاتصالات؟`"
    ),
    "claim.empty": "لا تحتوي هذه الرسالة على نص يمكنني مطابقته مع مجموعة الوثائق.",
    "question.too_long": ("عدد أحرف سؤالك {length}، والحد الأقصى الذي أقبله {limit}. اختصره إلى ما تريد التحقق منه."),
    "claim.too_long": (
        "عدد أحرف هذه الرسالة {length}، والحد الأقصى الذي أقبله {limit}. اختصرها إلى الجزء الذي تريد التحقق منه."
    ),
    "error.apology": "عذرًا، حدث خطأ من جهتي. سُجّل الخطأ؛ يُرجى المحاولة لاحقًا.",
    "error.not_sent": "عذرًا، لم يقبل Discord إجابتي الآن؛ يُرجى المحاولة مجددًا بعد قليل.",
    "error.loading": "لا يزال الفهرس قيد التحميل: حاول مجددًا بعد قليل",
    "error.permission": "تحتاج إلى إذن «{permission}» للقيام بذلك.",
    "error.server_only": "لا يعمل هذا الأمر إلا داخل خادم.",
    "error.not_here": "لا يمكنك استخدام هذا الأمر هنا.",
    "error.updated": "حُدّث هذا الأمر للتو؛ امنح Discord دقيقة لتحديثه ثم حاول مجددًا.",
    "error.bad_option": "تعذّرت عليّ قراءة أحد الخيارات؛ راجعها ثم حاول مجددًا.",
    "permission.manage_guild": "إدارة الخادم",
    "command.forget_me": "لا تقتبس رسائلي على ديسكورد مرة أخرى، في أي مجموعة.",
    "command.remember_me": "اسمح باقتباس رسائلي على ديسكورد مرة أخرى.",
    "forget.done": "تم: لن تُقتبس رسائلك على ديسكورد مرة أخرى في أي مجموعة. الأمر /remember-me يلغي ذلك.",
    "forget.already": "سبق أن طلبت ذلك: رسائلك على ديسكورد لا تُقتبس. الأمر /remember-me يلغي ذلك.",
    "remember.done": "تم: يمكن اقتباس رسائلك على ديسكورد مرة أخرى حيث تكون قناتها مصدرًا.",
    "remember.not_forgotten": "لم تطلب أن تُنسى: لم يتغير شيء.",
}
