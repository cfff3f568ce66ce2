"""`pulse contacts key | status | rotate`: the key that encrypts respondents' contact details (PULSE_CONTACT_KEY)."""

from __future__ import annotations

import click

from cli.context import Context, with_context
from pulse.errors import ConfigError


@click.group()
def contacts() -> None:
    """Respondents' contact details, kept encrypted with PULSE_CONTACT_KEY so that unhappy customers can be
    followed up. Without the key Pulse keeps none."""


@contacts.command("key")
def contacts_key() -> None:
    """Print a new random key for PULSE_CONTACT_KEY. Set it in the environment (never in pulse.toml) and keep a
    copy somewhere safe: the stored contacts cannot be read without it."""
    from pulse.contact_crypto import new_key

    click.echo(new_key())


@contacts.command("status")
@with_context
def contacts_status(context: Context) -> None:
    """How many contacts are stored, and whether PULSE_CONTACT_KEY opens every one (never showing them)."""
    from pulse.contact_crypto import ROTATE_HINT
    from store.contacts import check_contacts, count_contacts, unreadable_message

    key = context.settings.contact_key
    if key is None:
        stored = count_contacts(context.engine)
        click.echo(
            "PULSE_CONTACT_KEY is unset: imports keep no contact details"
            + (f", and the {stored} stored cannot be read until it is set." if stored else ".")
        )
        return
    check = check_contacts(context.engine, key)
    if check.unreadable:
        raise ConfigError(unreadable_message(check.unreadable), hint=ROTATE_HINT)
    click.echo(
        f"{check.readable} respondents' contact details stored; all {check.readable} readable with "
        "PULSE_CONTACT_KEY."
    )


@contacts.command("rotate")
@with_context
def contacts_rotate(context: Context) -> None:
    """Encrypt every stored contact again with the first key of PULSE_CONTACT_KEY. To change the key: make a new
    one, set PULSE_CONTACT_KEY=NEW,OLD, run this, then set PULSE_CONTACT_KEY=NEW."""
    from pulse.contact_crypto import ROTATE_HINT
    from store.contacts import rotate_contacts, unreadable_message

    rotation = rotate_contacts(context.engine, context.settings.contact_key)
    click.echo(
        f"Encrypted {rotation.rotated} contacts again with the first key of PULSE_CONTACT_KEY; "
        "the other keys are no longer needed for them."
    )
    if rotation.unreadable:
        raise ConfigError(
            unreadable_message(rotation.unreadable) + " They were left as they were.", hint=ROTATE_HINT
        )
