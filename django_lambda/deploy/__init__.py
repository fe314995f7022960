"""``lambda_deploy``'s pipeline and the steps that run the project's code before anything
reaches AWS.

- ``pipeline``: the steps (check -> collectstatic -> build -> smoke test -> upload ->
  publish -> route, or rollback), which the command numbers, times and reports;
- ``environment``: the function's environment, and a child process that evaluates the
  settings with it (``child`` is that process's side); ``static``: collectstatic and the
  static files' upload, run there;
- ``smoke``: the built package started here as Lambda will start it.

The AWS side is ``django_lambda.aws``; the package, ``django_lambda.package``.
"""
