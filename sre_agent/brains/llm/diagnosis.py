"""The LLM's root-cause conclusion as structured output, checked against the contracts: a category
from the closed list, a resource id per the root-cause rule, evidence ids that exist."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage

from ...contracts import CATEGORIES, Diagnosis, Evidence, RootCauseCategory
from ...graph.state import Hypothesis, Investigation
from .context import evidence_block, findings_block, incident_block
from .grounding import valid_resource_id
from .prompts import facts, load_prompt
from .resilience import InvalidAnswer, ModelChain, ask_structured
from .schemas import DiagnosisAnswer
from .settings import LlmSettings


def _category(value: str) -> RootCauseCategory:
    value = value.strip().lower()
    if value not in CATEGORIES:
        raise InvalidAnswer(f"the model's category {value!r} is not one of the known root-cause categories")
    return RootCauseCategory(value)


def _evidence(state: Investigation, ids: list[str], resource: str) -> list[Evidence]:
    records = {r.id: r for r in state.tool_calls}
    out = []
    for evidence_id in dict.fromkeys(i.strip() for i in ids):
        record = records.get(evidence_id)
        if record is None:
            continue
        # Quote what mattered in that output: the findings drawn from it about this resource.
        facts_ = [f.summary for f in state.findings if evidence_id in f.evidence and f.resource == resource]
        out.append(Evidence(id=record.id, source_tool=f"{record.server}.{record.tool}", args=record.args,
                            excerpt=("; ".join(dict.fromkeys(facts_)) or record.excerpt)[:400]))
    return out


async def conclude(chain: ModelChain, state: Investigation,
                   settings: LlmSettings) -> tuple[Diagnosis, list[Hypothesis], list[str], str]:
    """The model's diagnosis, its hypotheses, notes, and the label of the model that answered."""
    # The incident without the alarm's payload: the supervisor and the metrics specialist read it, and
    # what it showed is in their questions and findings; where the symptom was seen stays.
    messages = [SystemMessage(load_prompt("diagnosis", facts(settings.max_tool_calls), settings.prompts_dir)),
                HumanMessage("\n\n".join([incident_block(state, alarm=False), findings_block(state.findings),
                                          evidence_block(state.tool_calls)]))]
    answer, handle = await ask_structured(chain, "diagnosis", DiagnosisAnswer, messages)
    category = _category(answer.category)
    resource = "" if category == RootCauseCategory.NONE else answer.resource.strip()
    if category != RootCauseCategory.NONE and not valid_resource_id(resource):
        raise InvalidAnswer(f"the model's root-cause resource {answer.resource!r} is not a resource id")
    evidence = _evidence(state, answer.evidence, resource)
    if category != RootCauseCategory.NONE and not evidence:
        raise InvalidAnswer(f"the model concluded {category.value} but cited no tool call of this investigation "
                            f"({answer.evidence})")
    diagnosis = Diagnosis(category=category, resource=resource, summary=answer.summary.strip()[:1000],
                          confidence=round(answer.confidence, 2), evidence=evidence)
    hypotheses = [Hypothesis(category=category, resource=resource, confidence=diagnosis.confidence,
                             reasons=[diagnosis.summary], evidence=[e.id for e in evidence])]
    for alternative in answer.alternatives:
        category_ = alternative.category.strip().lower()
        if category_ in CATEGORIES and (not alternative.resource or valid_resource_id(alternative.resource)):
            hypotheses.append(Hypothesis(category=RootCauseCategory(category_), resource=alternative.resource,
                                         confidence=alternative.confidence, reasons=[alternative.why] if alternative.why else []))
    return diagnosis, hypotheses, [f"diagnosis: llm ({handle.label}) concluded {category.value}"
                                   + (f" on {resource}" if resource else "")], handle.label
