"""Respondent pages (blueprint ``respond``): links, questionnaire pages, accessibility."""

from survey.respond.views import bp

__all__ = ["bp"]
