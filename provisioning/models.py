"""The registry (who sits where, from the last applied inventory) and the provisioning journal."""

from __future__ import annotations

import json

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RegistrySyndicate(models.Model):
    """The syndicate of the last applied inventory: its name, and how the apps send mail (the
    inventory's `smtp` backend, its password only as the name of the environment variable
    that holds it)."""

    siren = models.CharField(max_length=9, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    domain = models.CharField(_("domaine"), max_length=253)
    mail = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("syndicat")

    def __str__(self) -> str:
        return self.name


class RegistryMember(models.Model):
    code = models.CharField(_("code"), max_length=9, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=10)
    population = models.PositiveIntegerField(_("population"), default=0)
    slug = models.SlugField(max_length=200)
    hostname = models.CharField(_("nom d'hôte"), max_length=253)
    services = models.JSONField(_("services"), default=list)
    siren = models.CharField(max_length=9, blank=True)
    address = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The member's departments (voirie, comptabilité...): [{"slug", "name"}].
    departments = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("membre")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RegistryPerson(models.Model):
    uid = models.CharField(max_length=32, unique=True)
    email = models.EmailField(db_index=True)
    given_name = models.CharField(_("prénom"), max_length=100)
    surname = models.CharField(_("nom"), max_length=100)
    phone = models.CharField(max_length=40, blank=True)
    # "mme", "m" or "" (unknown): what the role labels agree with (catalogue.role_label).
    civility = models.CharField(_("civilité"), max_length=3, blank=True,
                                choices=[("mme", _("Madame")), ("m", _("Monsieur"))])
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("personne")
        ordering = ["surname", "given_name"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.surname}"


class RegistryAssembly(models.Model):
    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="assemblies")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        unique_together = [("member", "slug")]
        ordering = ["member", "slug"]


class RegistrySeat(models.Model):
    """A person's place in a member: roles and assemblies."""

    member = models.ForeignKey(RegistryMember, on_delete=models.PROTECT, related_name="seats")
    person = models.ForeignKey(RegistryPerson, on_delete=models.PROTECT, related_name="seats")
    roles = models.JSONField(default=list)
    assemblies = models.JSONField(default=list)
    title = models.CharField(max_length=200, blank=True)
    departments = models.JSONField(default=list, blank=True)  # slugs of the member's
    active = models.BooleanField(default=True)

    class Meta:
        unique_together = [("member", "person")]


class Run(models.Model):
    """One apply of a plan: what was asked, what happened. Append-only; every run ends closed
    and sealed into the hash chain in the order runs close (see provisioning/journal.py)."""

    RUNNING, SUCCEEDED, FAILED, DIVERGED, INTERRUPTED = (
        "running", "succeeded", "failed", "diverged", "interrupted")
    CRASHED = "crashed"  # runs closed by older versions; new runs close "interrupted"
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    inventory_path = models.CharField(max_length=500, blank=True)
    inventory_sha256 = models.CharField(max_length=64, blank=True)
    only = models.JSONField(default=list)
    status = models.CharField(max_length=12, default=RUNNING)
    summary = models.JSONField(default=dict)
    pending_after = models.PositiveIntegerField(null=True)
    error = models.TextField(blank=True)
    # The process applying the run, and when it last said it was alive: a later command
    # closes a run whose process died.
    pid = models.PositiveIntegerField(null=True)
    host = models.CharField(max_length=255, blank=True)
    heartbeat = models.DateTimeField(null=True)
    # The seal: its place in the chain (null while the run is open), the previous seal, and
    # the records it covers.
    seq = models.PositiveIntegerField(null=True, unique=True)
    previous = models.CharField(max_length=64, blank=True)
    change_count = models.PositiveIntegerField(default=0)
    first_change = models.BigIntegerField(null=True)
    last_change = models.BigIntegerField(null=True)
    seal_version = models.PositiveSmallIntegerField(default=2)
    digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]


OUTCOMES_PER_STATEMENT = 1000  # 6 parameters each: well under SQLite's 32,766


class ChangeRecordManager(models.Manager):
    """The journal's queries. Its writes are plain SQL: the ORM's bulk_create and bulk_update
    cost more per row than the changes of a fast backend (an LDAP add) take to apply. Their
    caller computes the digests (provisioning.journal) and holds the transaction."""

    def insert_rows(self, run_id: int, rows: list[tuple]) -> None:
        """Insert records (key, action, before, after, outcome, attempts, duration_ms, error,
        digest) in one statement. A record already there (a batch run again after its worker
        was lost) is kept."""
        quote = connection.ops.quote_name
        columns = ("run_id", "key", "action", "before", "after", "outcome", "attempts",
                   "duration_ms", "error", "at", "digest")
        sql = (f"INSERT INTO {quote(self.model._meta.db_table)} "
               f"({', '.join(quote(c) for c in columns)}) "
               f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT DO NOTHING")
        at = connection.ops.adapt_datetimefield_value(timezone.now())
        values = [(run_id, key, action, json.dumps(before), json.dumps(after), outcome,
                   attempts, duration, error, at, digest)
                  for key, action, before, after, outcome, attempts, duration, error, digest
                  in rows]
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)

    def update_outcomes(self, run_id: int, rows: list[list]) -> None:
        """Set the outcomes of records journaled as started: rows of (key, outcome, attempts,
        duration_ms, error, digest), one UPDATE ... FROM statement per thousand (PostgreSQL,
        SQLite >= 3.33)."""
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        cast = "::integer" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            for start in range(0, len(rows), OUTCOMES_PER_STATEMENT):
                chunk = rows[start:start + OUTCOMES_PER_STATEMENT]
                values = ", ".join([f"(%s, %s, %s{cast}, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"WITH v(k, o, a, d, e, g) AS (VALUES {values}) "
                    f"UPDATE {table} SET {quote('outcome')} = v.o, {quote('attempts')} = v.a, "
                    f"{quote('duration_ms')} = v.d, {quote('error')} = v.e, "
                    f"{quote('digest')} = v.g FROM v "
                    f"WHERE {table}.{quote('run_id')} = %s AND {table}.{quote('key')} = v.k",
                    [value for row in chunk for value in row] + [run_id])

    def not_applied(self, run_id: int):
        """A run's records that did not end `ok`: failed, skipped, or still started."""
        return self.filter(run_id=run_id).exclude(outcome=ChangeRecord.OK)

    def finished(self, run_id: int):
        """A run's records that have an outcome."""
        return self.filter(run_id=run_id).exclude(outcome=ChangeRecord.STARTED)


class ChangeRecord(models.Model):
    """One change of a run, journaled `started` before it is applied and with its outcome
    after; `skipped` when a change it depends on failed. `digest` covers its own fields."""

    OK, FAILED, SKIPPED, STARTED = "ok", "failed", "skipped", "started"
    # No index of its own on run: the (run, key) constraint's index serves run lookups.
    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="changes",
                            db_index=False)
    key = models.CharField(max_length=300, db_index=True)
    action = models.CharField(max_length=10)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10)
    attempts = models.PositiveSmallIntegerField(default=1)
    duration_ms = models.FloatField(default=0)
    error = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    digest = models.CharField(max_length=64, blank=True)

    objects = ChangeRecordManager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="one_record_per_key")]

    LEGACY_DIGESTED = ("key", "action", "before", "after", "outcome", "attempts", "error")

