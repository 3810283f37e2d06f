"""Refusals of an import file that cannot be read."""

from kasipodaq.core.errors import DomainError


class ImportFileError(DomainError):
    """The uploaded file cannot be read as a table: the message names the problem."""

    code = "import_file"
