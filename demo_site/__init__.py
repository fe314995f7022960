"""The demo site: the talk's "stars" page, deployed with django-lambda."""
