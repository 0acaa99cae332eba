"""The python-telegram-bot 22 peer: an `Application` with one `CommandHandler` answering
/start with one sendMessage carrying the reply a new user gets from us (`bench.peer`), in
webhook mode (`run_webhook`, PTB's tornado server) or polling mode (`run_polling`). Defaults
everywhere, as its documentation's examples have them: updates are handled one at a time
(`concurrent_updates` off) and acknowledged once in PTB's in-memory update queue.

    BENCH_MODE=webhook BENCH_TOKEN=... BENCH_API_URL=http://127.0.0.1:PORT BENCH_PORT=8443 \\
        BENCH_SECRET=s python -m bench.ptb_bot
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bench.peer import WEBHOOK_PATH, PeerSettings, StartReply

REPLY = StartReply.load()
MARKUP = InlineKeyboardMarkup(
    [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in REPLY.rows]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    name = user.first_name if user is not None else ""
    await context.bot.send_message(chat.id, REPLY.text_for(name), reply_markup=MARKUP)


def main() -> None:
    settings = PeerSettings.from_env()
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    if settings.mode == "webhook":
        application.run_webhook(
            listen="127.0.0.1",
            port=settings.port,
            url_path=WEBHOOK_PATH.lstrip("/"),
            secret_token=settings.secret,
            webhook_url=settings.webhook_url,
        )
    else:
        application.run_polling()


if __name__ == "__main__":
    main()
