"""The aiogram 3 peer: a `Dispatcher` with one `CommandStart` handler answering /start with one
sendMessage carrying the reply a new user gets from us (`bench.peer`), in webhook mode (aiohttp
server, `SimpleRequestHandler`) or polling mode (`start_polling`). Defaults everywhere, as its
documentation's examples have them: the webhook answers 200 once the update is handed to a
background task (in memory), and polling runs each update as its own task.

    BENCH_MODE=polling BENCH_TOKEN=... BENCH_API_URL=http://127.0.0.1:PORT \\
        python -m bench.aiogram_bot
"""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bench.peer import WEBHOOK_PATH, PeerSettings, StartReply

REPLY = StartReply.load()
MARKUP = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
        for row in REPLY.rows
    ]
)


async def start(message: Message) -> None:
    name = message.from_user.first_name if message.from_user is not None else ""
    await message.answer(REPLY.text_for(name), reply_markup=MARKUP)


def main() -> None:
    settings = PeerSettings.from_env()
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_url))
    bot = Bot(settings.token, session=session)
    dispatcher = Dispatcher()
    dispatcher.message.register(start, CommandStart())
    if settings.mode == "polling":
        asyncio.run(dispatcher.start_polling(bot))
        return

    async def on_startup(bot: Bot) -> None:
        await bot.set_webhook(settings.webhook_url, secret_token=settings.secret)

    dispatcher.startup.register(on_startup)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=settings.secret).register(
        app, path=WEBHOOK_PATH
    )
    setup_application(app, dispatcher, bot=bot)
    web.run_app(app, host="127.0.0.1", port=settings.port, print=None)


if __name__ == "__main__":
    main()
