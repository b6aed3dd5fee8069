"""The blind held-out chat case sets load and are well formed: every file is a WorldCases over a scenario of
its world that exists, conversation ids are unique, every turn checks something with statuses the case
writers were told, no fact is both required and forbidden, and each set has the size its README states.
Runs no lab and no chat. One row per set."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_agent.eval.chat_eval import load_cases

EVAL = Path(__file__).resolve().parents[3] / "sre_agent" / "eval"
# The statuses a chat answer can have, as the case writers were told them (the brief, not the chat code).
STATUSES = {"answered", "problems", "healthy", "unknown", "needs_llm", "approval_required", "needs_subject"}
# cases dir: (the scenario set it runs over, files, turns at least)
SETS = {"chat_cases_heldout3": ("scenarios_heldout", 13, 106),
        "chat_cases_heldout4": ("scenarios_heldout2", 15, 119),
        "chat_cases_heldout5": ("scenarios_heldout3", 17, 128),
        "chat_cases_heldout6": ("scenarios_heldout4", 17, 127),
        "chat_cases_heldout7": ("scenarios_heldout5", 17, 168),
        "chat_cases_heldout8": ("scenarios_heldout3", 18, 253),
        "chat_cases_heldout9": ("scenarios_heldout6", 18, 259),
        "chat_cases_heldout10": ("scenarios_heldout7", 18, 256),
        "chat_cases_heldout11": ("scenarios_heldout8", 18, 341),
        "chat_cases_heldout12": ("scenarios_heldout9", 18, 353),
        "chat_cases_heldout13": ("scenarios_heldout10", 18, 360),
        "chat_cases_heldout14": ("scenarios_heldout11", 18, 442),
        "chat_cases_heldout15": ("scenarios_heldout12", 18, 350),
        "chat_cases_heldout16": ("scenarios_heldout13", 18, 373),
        "chat_cases_heldout17": ("scenarios_heldout14", 18, 373),
        "chat_cases_heldout18": ("scenarios_heldout19", 12, 265),
        "chat_cases_heldout19": ("scenarios_heldout20", 12, 269),
        "chat_cases_heldout20": ("scenarios_heldout15", 12, 179),
        "chat_cases_heldout21": ("scenarios_heldout17", 12, 179),
        "chat_cases_heldout22": ("scenarios_heldout16", 12, 178),
        "chat_cases_heldout23": ("scenarios_heldout18", 12, 180),
        "chat_cases_heldout24": ("scenarios_heldout19", 12, 210),
        "chat_cases_heldout25": ("scenarios_heldout20", 12, 209),
        "chat_cases_heldout26": ("scenarios_heldout21", 10, 181), "chat_cases_heldout27": ("scenarios_heldout22", 10, 182),
        "chat_cases_heldout28": ("scenarios_heldout23", 10, 199), "chat_cases_heldout29": ("scenarios_heldout24", 10, 196),
        "chat_cases_heldout30": ("scenarios_heldout25", 10, 201), "chat_cases_heldout31": ("scenarios_heldout26", 10, 200),
        "chat_cases_heldout32": ("scenarios_heldout27", 10, 200),
        "chat_cases_heldout33": ("scenarios_heldout28", 10, 200),
        "chat_cases_heldout34": ("scenarios_heldout29", 10, 200),
        "chat_cases_heldout35": ("scenarios_heldout30", 10, 200),
        "chat_cases_heldout36": ("scenarios_heldout31", 10, 200),
        "chat_cases_heldout37": ("scenarios_heldout32", 10, 200),
        "chat_cases_heldout38": ("scenarios_heldout33", 10, 200),
        "chat_cases_heldout39": ("scenarios_heldout34", 10, 200),
        "chat_cases_heldout40": ("scenarios_heldout35", 10, 200),
        "chat_cases_heldout41": ("scenarios_heldout36", 10, 200),
        "chat_cases_heldout42": ("scenarios_heldout37", 10, 200),
        "chat_cases_heldout43": ("scenarios_heldout38", 10, 200),
        "chat_cases_heldout44": ("scenarios_heldout39", 10, 200),
        "chat_cases_heldout45": ("scenarios_heldout40", 10, 200),
        "chat_cases_heldout46": ("scenarios_heldout41", 10, 200),
        "chat_cases_heldout47": ("scenarios_heldout42", 10, 200),
        "chat_cases_heldout48": ("scenarios_heldout43", 10, 200),
        "chat_cases_heldout49": ("scenarios_heldout44", 10, 200),
        "chat_cases_heldout50": ("scenarios_heldout45", 10, 200),
        "chat_cases_heldout51": ("scenarios_heldout46", 10, 200),
        "chat_cases_heldout52": ("scenarios_heldout47", 10, 200),
        "chat_cases_heldout53": ("scenarios_heldout48", 10, 200),
        "chat_cases_heldout54": ("scenarios_heldout49", 10, 200),
        "chat_cases_heldout55": ("scenarios_heldout50", 10, 200),
        "chat_cases_heldout56": ("scenarios_heldout51", 10, 200),
        "chat_cases_heldout57": ("scenarios_heldout52", 10, 200),
        "chat_cases_heldout58": ("scenarios_heldout53", 10, 200),
        "chat_cases_heldout59": ("scenarios_heldout54", 10, 200),
        "chat_cases_heldout60": ("scenarios_heldout55", 10, 200),
        "chat_cases_heldout62": ("scenarios_heldout57", 10, 200),
        "chat_cases_heldout61": ("scenarios_heldout56", 10, 200),
        "chat_cases_heldout63": ("scenarios_heldout58", 10, 200),
        "chat_cases_heldout64": ("scenarios_heldout59", 10, 200),
        "chat_cases_heldout65": ("scenarios_heldout60", 10, 200),
        "chat_cases_heldout66": ("scenarios_heldout61", 10, 200),
        "chat_cases_heldout67": ("scenarios_heldout62", 10, 200),
        "chat_cases_heldout68": ("scenarios_heldout63", 10, 200),
        "chat_cases_heldout69": ("scenarios_heldout64", 10, 200),
        "chat_cases_heldout70": ("scenarios_heldout65", 10, 200),
        "chat_cases_heldout71": ("scenarios_heldout66", 10, 200),
        "chat_cases_heldout72": ("scenarios_heldout67", 10, 200),
        "chat_cases_heldout73": ("scenarios_heldout68", 10, 200),
        "chat_cases_heldout74": ("scenarios_heldout69", 10, 200)}


@pytest.mark.parametrize("cases_dir", sorted(SETS))
def test_a_case_set_is_well_formed_over_existing_scenarios(cases_dir):
    scenarios, files, turns = SETS[cases_dir]
    worlds = load_cases(EVAL / cases_dir)
    assert [w.scenario for w in worlds] == sorted(p.stem for p in (EVAL / cases_dir).glob("*.yaml"))
    assert [w.scenario for w in worlds if not (EVAL / scenarios / f"{w.scenario}.yaml").is_file()] == []
    assert (len(worlds), sum(len(c.turns) for w in worlds for c in w.conversations)) == (files, turns)
    for world in worlds:
        ids = [c.id for c in world.conversations]
        assert len(ids) == len(set(ids)), world.scenario
        for conversation in world.conversations:
            for turn in conversation.turns:
                assert turn.ask.strip(), (world.scenario, conversation.id)
                assert turn.must or turn.must_not or turn.status, (world.scenario, conversation.id, turn.ask)
                assert set(turn.status) <= STATUSES, (world.scenario, turn.ask, turn.status)
                assert not {m.lower() for m in turn.must} & {m.lower() for m in turn.must_not}, turn.ask
