"""Plain data shared by the domain and the adapters below it, so that neither imports the
other for it: a file to upload with a Bot API call (`TelegramFile`), a generation's state
(`JobState`)."""

from trt_actors.model.files import OCTET_STREAM, TelegramFile
from trt_actors.model.job_state import JobState

__all__ = ["OCTET_STREAM", "JobState", "TelegramFile"]
