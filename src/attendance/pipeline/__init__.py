"""Pipeline plumbing: the command line (`cli`), running a notebook as a DVC stage (`notebook_runner`), the
nbconvert rendering of reports (`render` and `templates/`), the leak guard on every output (`leakguard`)
and the comparison of experiments (`compare`). It sits on top: nothing else imports it."""
