"""The errors of the package: each says in one sentence what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass


class TeletransmissionError(Exception):
    """Base of every error raised by actes.teletransmission."""


class ActInvalid(TeletransmissionError, ValueError):
    """An act cannot be transmitted as given; `field` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an archive: the file, the line and element when known."""

    file: str
    message: str
    line: int | None = None
    element: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f", line {self.line}"
        if self.element:
            where += f", {self.element}"
        return f"{where}: {self.message}"


class ArchiveInvalid(TeletransmissionError):
    """An archive (or a message) does not follow the @ctes format; lists every problem."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(
            f"The archive does not follow the @ctes format ({count} problem"
            f"{'s' if count > 1 else ''}):\n{lines}"
        )


class ReturnUnreadable(TeletransmissionError):
    """A message from the prefecture or the tiers cannot be read."""


class TransmissionFailed(TeletransmissionError):
    """The tiers de télétransmission refused a request or could not be reached.

    `answer` is the tiers' own message when it gave one (S²LOW's text after "KO")."""

    def __init__(self, message: str, answer: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.answer = answer
        self.status_code = status_code
