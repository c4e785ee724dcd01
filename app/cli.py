"""`flask --app run ligat ...` commands for operators of the installation."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from workflows import packages
from workflows.audit_checks import run_check
from workflows.dashboard import snapshot
from workflows.dashboard.summary import refresh as refresh_summary
from workflows.errors import DeployError
from workflows.timers import wake_due_timers

from .extensions import db
from .setup import deploy_with_roles, seed

group = AppGroup("ligat", help="Perintah LIGAT.")


@group.command("setup")
def setup_command() -> None:
    """Roles, bundled process models and demo users (the schema is migrated on start)."""
    for role, username, password in seed(current_app):
        click.echo(f"{role:20} {username:22} {password}")


@group.command("verify-audit")
def verify_audit_command() -> None:
    """Check every case's audit hash chain against itself and its chain record (events removed
    wholesale are reported too); the run is recorded for the auditor's page. Exit 1 when any is broken."""
    check = run_check(db.session, "cli", "cli")
    if not check.intact:
        for case_id, seq, reason in check.broken:
            click.echo(f"RUSAK: kasus {case_id}, peristiwa #{seq}: {reason}")
        click.echo(f"{check.events_checked} peristiwa diperiksa, {check.broken_count} rantai rusak.")
        sys.exit(1)
    click.echo(f"{check.events_checked} peristiwa diperiksa, semua rantai utuh.")


@group.command("dashboard-refresh")
@click.option("--all", "everything", is_flag=True, help="Rebuild every day, not only the last days.")
@click.option("--days", default=45, show_default=True, help="How many past days to rewrite.")
def dashboard_refresh_command(everything: bool, days: int) -> None:
    """Rewrite the dashboard's daily summary (the scheduler does the last days) and take its snapshot of what
    is open now."""
    first, through = refresh_summary(db.session, None if everything else days)
    snapshot.take(db.session)
    db.session.commit()
    click.echo(f"Ringkasan dasbor diperbarui: {first} s.d. {through}. (Dashboard summary refreshed.)")


@group.command("deploy")
@click.argument("code", required=False)
@click.option("--archive", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A zip of one package's files (bpmn/<code>/…, forms/<code>/…, letters/<code>/…).")
def deploy_command(code: str | None, archive: Path | None) -> None:
    """Deploy one service package (bpmn/CODE/service.json and its files) as one version."""
    try:
        if archive is not None:
            files = packages.from_archive(archive.read_bytes())
        elif code:
            files = packages.from_directories(Path(current_app.config["LIGAT_PACKAGES_DIR"]), code)
        else:
            raise click.UsageError("Sebutkan kode paket atau --archive. (Give a package code or --archive.)")
        result = deploy_with_roles(files, "cli")
    except DeployError as exc:
        db.session.rollback()
        click.echo(f"DITOLAK: {exc}", err=True)
        sys.exit(1)
    package = result.package
    state = "baru" if result.created else "sudah ada, tidak berubah"
    click.echo(f"{package.code} versi {package.version} ({state}); proses: "
               + ", ".join(f"{d.process_id} v{d.version}" for d in result.definitions))
    for warning in result.warnings:
        click.echo(f"PERINGATAN: {warning}")


@group.command("scenarios")
@click.argument("code", required=False)
@click.option("--all", "run_all", is_flag=True, help="Every package of the checkout (bpmn/*/service.json).")
def scenarios_command(code: str | None, run_all: bool) -> None:
    """Run a package's scenario tests (bpmn/CODE/tests/*.json) in a throw-away database; exit 1 on a failure."""
    from workflows.scenarios import run_scenarios

    root = Path(current_app.config["LIGAT_PACKAGES_DIR"])
    if run_all:
        codes = packages.bundled_codes(root)
    elif code:
        codes = [code]
    else:
        raise click.UsageError("Sebutkan kode paket atau --all. (Give a package code or --all.)")
    failed = total = 0
    for each in codes:
        try:
            results = run_scenarios(packages.from_directories(root, each))
        except DeployError as exc:
            click.echo(f"DITOLAK: {exc}", err=True)
            sys.exit(1)
        if not results:
            click.echo(f"{each}: tidak ada skenario (no scenarios) di bpmn/{each}/tests/")
        for result in results:
            total += 1
            failed += not result.passed
            mark = "LULUS" if result.passed else "GAGAL"
            click.echo(f"{mark} {result.file} · {result.name} · status akhir: {result.end_status or '-'}")
            if not result.passed:
                where = f" di {result.failed_element_id}" if result.failed_element_id else ""
                click.echo(f"    langkah gagal{where}: {result.message_id}")
                click.echo(f"    (failed step{where.replace(' di ', ' at ')}: {result.message_en})")
            if result.path:
                click.echo(f"    jalur / path: {' → '.join(result.path)}")
    click.echo(f"{total} skenario, {failed} gagal. ({total} scenario(s), {failed} failed.)")
    if failed or not total:
        sys.exit(1)


@group.command("wake-timers")
def wake_timers_command() -> None:
    """Fire due timers once (the scheduler does this every few seconds)."""
    click.echo(f"{wake_due_timers(db.session)} kasus dibangunkan")


@group.command("import-dtks")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tampilkan", "show", default=50, show_default=True, help="Berapa baris tertolak yang dicetak.")
def import_dtks_command(csv_file: Path, show: int) -> None:
    """Import DTKS from CSV (nik,no_kk,nama[,alamat,kode_wilayah,desil]); safe to run again on the same file."""
    from workflows.dtks import DtksFileRefused, import_csv

    try:
        with csv_file.open("rb") as stream:
            report = import_csv(db.session, stream)
    except DtksFileRefused as exc:
        click.echo(f"DITOLAK: {exc}", err=True)
        sys.exit(1)
    for rejected in report.rejected[:show]:
        click.echo(f"baris {rejected.line}: {rejected.reason}")
    if len(report.rejected) > show:
        click.echo(f"... dan {len(report.rejected) - show} baris tertolak lainnya")
    click.echo(report.summary())


def register(app: Flask) -> None:
    app.cli.add_command(group)
