"""Templates escape each printed value into a plain string instead of a Markup object.

With autoescaping, Jinja compiles every `{{ value }}` to `escape(value)`: MarkupSafe's escape
builds a Markup object (a Python-level str subclass) that the template then only joins into its
output. On the development VM that is 0.8 µs a value against 0.16-0.22 µs for the same escaping
returned as a plain string, and a list page prints one to three thousand values.

The result is the same text: the escaped value is only ever joined into the output (a block's,
a macro's or a `{% set %}` block's buffer, which Jinja marks safe as a whole when autoescaping).
"""

from __future__ import annotations

import markupsafe
from jinja2.compiler import CodeGenerator
from jinja2.environment import Template

# MarkupSafe's escaping of a str, without wrapping it in Markup (its C speedup when built).
_escape_str = getattr(markupsafe, "_escape_inner", None) or (lambda text: str(markupsafe.escape(text)))
_NAME = "rikscha_escape_output"


def escape_output(value) -> str:
    """markupsafe.escape(value) as a plain str: the same rules, in the same order."""
    if value.__class__ is str:
        return _escape_str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    if value.__class__ is int:  # digits and a minus sign: nothing to escape
        return str(value)
    return _escape_str(str(value))


class EscapeToStrCodeGenerator(CodeGenerator):
    def _output_child_pre(self, node, frame, finalize) -> None:
        # Only the plain autoescaping case: a volatile context decides at run time (Jinja's way).
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write(f"{_NAME}(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


class EscapeToStrTemplate(Template):
    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        # Jinja's own from_code, with the function the generated code calls in its namespace.
        namespace = {"environment": environment, "__file__": code.co_filename, _NAME: escape_output}
        exec(code, namespace)  # noqa: S102 - compiled template code, as in Jinja
        template = cls._from_namespace(environment, namespace, globals)
        template._uptodate = uptodate
        return template


def install(environment) -> None:
    """Compile the environment's templates with escape_output (before any template is loaded)."""
    environment.code_generator_class = EscapeToStrCodeGenerator
    environment.template_class = EscapeToStrTemplate
