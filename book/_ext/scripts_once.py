"""Each script once per page: a local Sphinx extension of the book.

sphinx-thebe 0.3.1 adds its inline configuration script (``const THEBE_JS_URL = ...``) when the documents are
about to be read, after the HTML builder has copied the registered scripts. Sphinx 7.4 then holds that script
twice, once with the file name ``None`` and once with ``''``, and the second copy declares the constants again:
"Identifier 'THEBE_JS_URL' has already been declared" in the console of every page. This drops the repeats.
"""


def _key(script):
    return getattr(script, "filename", script) or "", sorted(getattr(script, "attributes", {}).items())


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    seen, scripts = [], []
    for script in context.get("script_files", []):
        if _key(script) not in seen:
            seen.append(_key(script))
            scripts.append(script)
    context["script_files"] = scripts


def setup(app):
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
