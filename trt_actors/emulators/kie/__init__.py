"""A KIE.ai emulator for tests, benchmarks and the sandbox.

    async with open_kie_emulator() as emu:                 # a loopback server
        kie = KieClient(emu.api_key, base_url=emu.base_url, upload_base_url=emu.upload_base_url)
        task_id = await kie.create_task("z-image", {"prompt": "a fox"})
        emu.ctl.advance(task_id)                            # or let the schedule run
        emu.ctl.inject(FaultKind.NO_CREDITS, "market.submit")

It speaks the market (createTask, recordInfo), the dedicated APIs (Veo, Runway, Suno,
Midjourney, 4o Image, Flux Kontext), credits, download-url and the upload host; tasks go
waiting → generating → success | fail on a schedule of `trio.current_time()`; finished
tasks are POSTed to their callBackUrl (with HMAC headers when a key is set); results are
real small files that look like what was asked: a PNG of the asked aspect ratio with the
prompt on it, an animated GIF for video, a WAV tone for audio (`_results.py`). `serve=False` plus
`emu.transport()` runs it without sockets (MockClock tests). See docs/kie.md.
"""

from trt_actors.emulators.kie._apis import APIS, ApiSpec, guess_output
from trt_actors.emulators.kie._app import KieEmulator, open_kie_emulator
from trt_actors.emulators.kie._callbacks import CallbackAttempt
from trt_actors.emulators.kie._config import (
    ACCOUNT_LIMIT,
    ACCOUNT_WINDOW,
    DEFAULT_API_KEY,
    IN_PROCESS_BASE_URL,
    CallbackPolicy,
    KieEmulatorConfig,
    Outcome,
    Schedule,
)
from trt_actors.emulators.kie._control import Control
from trt_actors.emulators.kie._faults import HANG_SECONDS, Fault, FaultKind
from trt_actors.emulators.kie._media import CONTENT_TYPES, PNG_SIGNATURE, gif, png, wav
from trt_actors.emulators.kie._tasks import EmuTask

__all__ = [
    "ACCOUNT_LIMIT",
    "ACCOUNT_WINDOW",
    "APIS",
    "CONTENT_TYPES",
    "DEFAULT_API_KEY",
    "HANG_SECONDS",
    "IN_PROCESS_BASE_URL",
    "PNG_SIGNATURE",
    "ApiSpec",
    "CallbackAttempt",
    "CallbackPolicy",
    "Control",
    "EmuTask",
    "Fault",
    "FaultKind",
    "KieEmulator",
    "KieEmulatorConfig",
    "Outcome",
    "Schedule",
    "gif",
    "guess_output",
    "open_kie_emulator",
    "png",
    "wav",
]
