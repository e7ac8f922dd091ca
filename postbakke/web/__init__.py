"""The work station: a small local web app over the workspace (Flask, served by waitress).

Routes parse the request, call people/, outputs/ and the store, and render templates;
the rules live below. Review decisions go through the same functions as the CLI.
`context.py` is what the routes share; `app.py` puts the app together.
"""
