"""The public summary of training content (EU AI Act Art. 53(1)(d)), in the sections of the Commission's July 2025 template.

Every field the records can answer is answered from them; every other field is
``{"value": null, "to_complete": "<why>"}`` and listed in ``unfilled``, for a person
to complete. Nothing is guessed: a size band is given only when the records hold
the number it needs (image counts; video hours are not recorded).

Acquisition methods map to the template's source categories: ``public_domain`` ->
2.1 publicly available datasets; ``licensed``, ``purchased`` -> 2.2.1 licensed from
rights holders; ``commissioned`` -> 2.2.2 other private third-party data;
``crawled`` -> 2.3; ``user_submitted`` -> 2.4; ``synthetic`` -> 2.5;
``own_production`` -> 2.6 other sources.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from ledger.errors import NotFound
from ledger.records import models as m
from ledger.reports.bom import AuditBasis, audited_totals
from ledger import clock
from policies import PolicyEngine

TEMPLATE = "European Commission, Template for the Public Summary of Training Content for general-purpose AI models (July 2025)"
SECTIONS = {
    "1": "General information",
    "1.1": "Provider identification",
    "1.2": "Model identification",
    "1.3": "Modalities, overall training data size and other characteristics",
    "2": "List of data sources",
    "2.1": "Publicly available datasets",
    "2.2": "Private non-publicly available datasets obtained from third parties",
    "2.2.1": "Datasets commercially licensed by rights holders or their representatives",
    "2.2.2": "Private datasets obtained from other third parties",
    "2.3": "Data crawled and scraped from online sources",
    "2.4": "User data",
    "2.5": "Synthetic data",
    "2.6": "Other sources of data",
    "3": "Data processing aspects",
    "3.1": "Respect of reservation of rights from the text and data mining exception or limitation",
    "3.2": "Removal of illegal content",
    "3.3": "Other information",
}
CATEGORY = {"public_domain": "2.1", "licensed": "2.2.1", "purchased": "2.2.1", "commissioned": "2.2.2",
            "crawled": "2.3", "user_submitted": "2.4", "synthetic": "2.5", "own_production": "2.6"}
MODALITIES = {"image": "image", "video": "video", "audio": "audio", "text": "text"}
IMAGE_BANDS = ((1_000_000, "less than 1 million images"), (1_000_000_000, "1 million to 1 billion images"),
               (None, "more than 1 billion images"))


def _todo(why: str) -> dict[str, Any]:
    return {"value": None, "to_complete": why}


def _filled(value: Any) -> dict[str, Any]:
    return {"value": value}


def _image_band(count: int) -> str:
    return next(label for limit, label in IMAGE_BANDS if limit is None or count < limit)


@dataclass(frozen=True)
class _Asset:
    """The four columns the summary reads of an asset (not the whole row: versions hold 10^5 of them)."""

    media_type: str
    acquisition_method: Any
    acquired_on: date | None
    source_uri: str | None


def _assets_of(session: Session, model: m.AiModel) -> list[_Asset]:
    ids: list[str] = []
    for version_id in model.dataset_version_ids:
        version = session.get(m.DatasetVersion, version_id)
        if version is None:
            raise NotFound(f"model {model.id} names dataset version {version_id!r}, which does not exist")
        ids += version.asset_ids
    unique = list(dict.fromkeys(ids))
    found: list[_Asset] = []
    for start in range(0, len(unique), 1000):
        found += [_Asset(*row) for row in session.exec(
            select(m.Asset.media_type, m.Asset.acquisition_method, col(m.Asset.acquired_on), col(m.Asset.source_uri))
            .where(col(m.Asset.id).in_(unique[start:start + 1000]))).all()]
    return found


def _modality(media_type: str) -> str:
    return MODALITIES.get(media_type.split("/", 1)[0], "other")


def _source_section(assets: list[_Asset], category: str) -> dict[str, Any]:
    chosen = [a for a in assets if CATEGORY[str(getattr(a.acquisition_method, "value", a.acquisition_method))] == category]
    modalities = sorted({_modality(a.media_type) for a in chosen})
    section: dict[str, Any] = {"used": _filled(bool(chosen)), "assets": _filled(len(chosen)),
                               "modalities": _filled(modalities)}
    if chosen:
        section["description"] = _todo("a general description of this data (the records hold titles, not a narrative)")
    return section


def _top_domains(assets: list[_Asset]) -> dict[str, Any]:
    """The top 10% of the crawled domains by number of assets (at least one), as the template asks.

    A crawled asset whose source is not recorded as a web address leaves the field to complete: the
    domains cannot be ranked without it.
    """
    crawled = [a for a in assets if str(getattr(a.acquisition_method, "value", a.acquisition_method)) == "crawled"]
    hosts = [urlsplit(a.source_uri).hostname or "" if a.source_uri else "" for a in crawled]
    unknown = sum(1 for h in hosts if not h)
    if unknown:
        return _todo(f"{unknown} of {len(crawled)} crawled assets have no web source recorded (source_uri)")
    domains = Counter(hosts)
    keep = max(1, -(-len(domains) // 10)) if domains else 0
    return _filled([{"domain": d, "assets": n}
                    for d, n in sorted(domains.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]])


def _latest_acquisition(assets: list[_Asset], model: m.AiModel) -> dict[str, Any]:
    acquired = [a.acquired_on for a in assets if a.acquired_on]
    if not acquired or len(acquired) < len(assets):
        return _todo(f"{len(assets) - len(acquired)} of {len(assets)} assets have no acquisition date recorded")
    late = [d for d in acquired if model.trained_on and d > model.trained_on]
    if late:
        return _todo(f"{len(late)} assets record an acquisition date after the model's training date "
                     f"({model.trained_on}); check them")
    return _filled(max(acquired).isoformat())


def build_summary(engine: PolicyEngine, session: Session, model_id: str, provider: str | None,
                  use_date: date | None = None, territories: tuple[str, ...] = ("US",),
                  basis: AuditBasis | None = None) -> dict[str, Any]:
    """The summary as JSON-ready data: ``sections`` keyed by template number, and ``unfilled`` paths."""
    model = session.get(m.AiModel, model_id)
    if model is None:
        raise NotFound(f"no model with id {model_id!r}")
    if provider is None and model.developer_id:
        developer = session.get(m.Party, model.developer_id)
        provider = developer.name if developer else None
    assets = _assets_of(session, model)
    by_modality = Counter(_modality(a.media_type) for a in assets)
    basis = basis or AuditBasis(use_date or clock.today(), territories)
    opt_outs: Counter[str] = Counter()
    excluded: Counter[str] = Counter()
    for totals in audited_totals(engine, session, model, basis).values():
        for source, entry in totals.opt_outs.items():
            opt_outs[source] += entry["assets"]
            excluded[source] += entry["excluded"]
    sizes: dict[str, Any] = {}
    for modality, count in sorted(by_modality.items()):
        if modality == "image":
            sizes[modality] = _filled({"items": count, "band": _image_band(count)})
        else:
            sizes[modality] = {"value": None, "items": count,
                               "to_complete": f"the size band of {modality} data is measured in "
                                              f"{'tokens' if modality == 'text' else 'hours'}, which the records do not hold"}
    crawled = [a for a in assets if str(getattr(a.acquisition_method, "value", a.acquisition_method)) == "crawled"]
    sections: dict[str, Any] = {
        "1.1": {"provider_name": _filled(provider) if provider else _todo("no provider_name setting and no developer on the model record"),
                "provider_contact": _todo("contact details are not kept in the records for this summary"),
                "authorised_representative": _todo("the authorised representative in the EU, if the provider is established outside it")},
        "1.2": {"model_name": _filled(model.name), "model_version": _filled(model.version),
                "model_dependencies": _todo("the general-purpose model this one modifies or fine-tunes, if any"),
                "date_placed_on_market": _todo("the records do not hold the date of placing on the EU market")},
        "1.3": {"modalities": _filled(sorted(by_modality)), "training_data_size": sizes,
                "types_of_content": _filled(sorted({a.media_type for a in assets})),
                "latest_acquisition_date": _latest_acquisition(assets, model),
                "continuous_training": _todo("whether the model continues to be trained after release"),
                "linguistic_characteristics": _todo("languages of the content (not recorded)"),
                "other_characteristics": _todo("optional")},
        "2.1": _source_section(assets, "2.1"),
        "2.2.1": _source_section(assets, "2.2.1"),
        "2.2.2": _source_section(assets, "2.2.2"),
        "2.3": {**_source_section(assets, "2.3"), "top_domains": _top_domains(assets)},
        "2.4": _source_section(assets, "2.4"),
        "2.5": _source_section(assets, "2.5"),
        "2.6": _source_section(assets, "2.6"),
        "3.1": {"opt_out_sources_honoured": _filled(sorted(opt_outs)),
                "assets_with_opt_out": _filled(dict(sorted(opt_outs.items()))),
                "assets_excluded_by_opt_out_or_other_policy": _filled(dict(sorted(excluded.items()))),
                "measures": _filled("Opt-out signals are recorded per asset as read from C2PA/CAWG training-mining "
                                    "assertions, IPTC plus:DataMining, TDMRep, robots.txt and ai.txt; the training "
                                    "policy opt-out.training-mining refuses every asset carrying a notAllowed or "
                                    "constrained entry, an IPTC data-mining prohibition or a TDM reservation, "
                                    "whatever its license says."),
                "code_of_practice": _todo("whether the provider signed the GPAI Code of Practice (copyright chapter)")},
        "3.2": {"measures": _todo("the measures taken to remove illegal content (not recorded)")},
        "3.3": {"other": _todo("optional")},
    }
    if crawled:
        sections["2.3"].update({
            "crawler_names": _todo("the crawlers used"), "crawler_purposes": _todo("what the crawlers collected for"),
            "crawler_behaviour": _todo("how the crawlers respect robots.txt and other signals"),
            "collection_period": (_filled([min(a.acquired_on for a in crawled if a.acquired_on).isoformat(),
                                           max(a.acquired_on for a in crawled if a.acquired_on).isoformat()])
                                  if any(a.acquired_on for a in crawled) else _todo("no acquired_on on crawled assets"))})
    if any(CATEGORY[str(getattr(a.acquisition_method, "value", a.acquisition_method))] == "2.5" for a in assets):
        sections["2.5"]["generating_models"] = _todo("the models that generated the synthetic data")
    unfilled = [f"{number}.{name}" + (f".{sub}" if sub else "")
                for number, fields in sections.items() for name, field in fields.items()
                for sub, leaf in ([(None, field)] if "value" in field or "to_complete" in field
                                  else list(field.items()))
                if isinstance(leaf, dict) and "to_complete" in leaf]
    return {"template": TEMPLATE, "model_id": model.id, "dataset_version_ids": list(model.dataset_version_ids),
            "generated_on": basis.use_date.isoformat(), "territories": list(basis.territories),
            "log_size": basis.log_size, "audit_id": basis.audit_id, "section_titles": SECTIONS,
            "sections": sections, "unfilled": unfilled}


def _value_text(field: dict[str, Any]) -> str:
    if "to_complete" in field:
        return f"**TO COMPLETE** ({field['to_complete']})"
    value = field["value"]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v if not isinstance(v, dict) else f"{v.get('domain')} ({v.get('assets')} assets)")
                         for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return str(value)


def to_markdown(summary: dict[str, Any]) -> str:
    """The summary for people: every template section in order, unfilled fields marked **TO COMPLETE**."""
    lines = [f"# Public summary of training content: {summary['model_id']}", "",
             f"Following: {summary['template']}. Generated {summary['generated_on']} from the Clearance records of "
             f"dataset versions {', '.join(summary['dataset_version_ids']) or '(none)'}"
             + (f", for training in {', '.join(summary['territories'])}" if summary.get("territories") else "")
             + (f", from what the ledger knew at log size {summary['log_size']}" if summary.get("log_size") is not None
                else "")
             + (f" (audit {summary['audit_id']})" if summary.get("audit_id") else "") + ".", "",
             f"Fields marked TO COMPLETE ({len(summary['unfilled'])}) cannot be filled from the records; "
             "a person must complete them.", ""]
    for number, title in SECTIONS.items():
        depth = number.count(".") + 2
        lines.append(f"{'#' * depth} {number} {title}")
        fields = summary["sections"].get(number, {})
        lines += [""] if fields else []
        for name, field in fields.items():
            label = name.replace("_", " ")
            if "value" in field or "to_complete" in field:
                lines.append(f"- {label}: {_value_text(field)}")
            else:
                lines.append(f"- {label}:")
                lines += [f"  - {sub}: {_value_text(leaf)}" for sub, leaf in field.items()]
        lines.append("")
    return "\n".join(lines)
