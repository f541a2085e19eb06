"""Runs a repository's .projenrc.py: the `default` task of a cicd-pipeline-type
repository configured from Python (`npx projen`).

A configuration error of cicd-pipeline-type reaches Python as a RuntimeError
raised from the jsii kernel's JavaScriptError, so Python would print its message
twice, around a traceback through the jsii runtime. The message already names
every problem with its option as .projenrc.py spells it: it is printed once,
alone, and the exit code is 1. Any other error keeps its traceback.
"""
import os
import re
import runpy
import sys

# The message of every PipelineConfigError (src/validation.ts).
CONFIGURATION_ERROR = re.compile(r"^Invalid .+; nothing was written:")


def is_configuration_error(error):
    cause = error.__cause__
    return (
        isinstance(error, RuntimeError)
        and type(cause).__name__ == "JavaScriptError"
        and CONFIGURATION_ERROR.match(str(error)) is not None
    )


def main(argv):
    projenrc = argv[1] if len(argv) > 1 else ".projenrc.py"
    # As `python .projenrc.py` would: its own folder first on the path, its name as argv[0].
    sys.argv = [projenrc] + argv[2:]
    sys.path[0] = os.path.dirname(os.path.abspath(projenrc))
    try:
        runpy.run_path(projenrc, run_name="__main__")
    except Exception as error:  # noqa: BLE001 - anything but a configuration error is raised again
        if not is_configuration_error(error):
            raise
        print(str(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
