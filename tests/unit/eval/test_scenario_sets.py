"""The blind held-out scenario sets stay loadable with every reference checked, keep their mix of entries
(which scenarios are no-fault, which are questions), carry the fix that clears each fault, and their
per-scenario image blocks stay copies of the set's images.yml (a world file cannot carry images, so every
scenario repeats them; sre_agent/eval/scenario_images.py writes them). One row per set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sre_agent.contracts import RootCauseCategory
from sre_agent.eval import scenario_images
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

EVAL = Path(__file__).resolve().parents[3] / "sre_agent" / "eval"
# set dir: (world, scenarios, the no-fault ones, the question-entry ones)
SETS = {
    "scenarios_heldout2": ("tidewater", 18, ["tw17-ingest-surge-passed", "tw18-booking-after-scale-down"],
                           ["tw07-broker-fourth-replica-missing", "tw16-invoice-export-manual-run",
                            "tw18-booking-after-scale-down"]),
    "scenarios_heldout3": ("larkspur", 22, ["ls19-gateway-reconnect-burst-passed", "ls20-backup-job-ok", "ls21-grid-namespace-healthy"],
                           ["ls04-settlement-export-runs-failing", "ls09-solar-nowcast-pending",
                            "ls15-statement-archive-claim-pending", "ls17-debug-pod-image", "ls20-backup-job-ok",
                            "ls21-grid-namespace-healthy"]),
    "scenarios_heldout4": ("meridian", 24, ["md12-checkin-rebooking-wave", "md21-legality-cpu-spike-passed",
                                            "md22-passenger-namespace-healthy"],
                           ["md02-notam-sync-runs-failing", "md09-route-optimizer-scaled-pending",
                            "md19-position-store-member-claim-pending", "md22-passenger-namespace-healthy",
                            "md23-why-boarding-pass-slow", "md24-pnr-migration-job-backoff"]),
    "scenarios_heldout5": ("lakeshore", 24, ["lh21-imaging-viewer-traffic-passed", "lh22-pharmacy-namespace-healthy",
                                             "lh23-ehr-reindex-job-ok"],
                           ["lh11-why-identity-no-endpoints", "lh17-why-hl7-broker-3-pending",
                            "lh20-why-ward-label-bridge-restarting", "lh22-pharmacy-namespace-healthy",
                            "lh23-ehr-reindex-job-ok", "lh24-why-records-api-slow"]),
    "scenarios_heldout6": ("cobalt", 24, ["cf22-scan-ingest-burst-passed", "cf23-billing-namespace-healthy",
                                          "cf24-invoice-export-last-night"],
                           ["cf06-why-fx-rates-restarting", "cf14-why-tracking-store-3-pending",
                            "cf20-why-route-optimizer-pod-not-running", "cf21-why-scan-ingest-pending",
                            "cf23-billing-namespace-healthy", "cf24-invoice-export-last-night"]),
    "scenarios_heldout7": ("kestrel", 24, ["ks22-beacon-ingest-rate-high", "ks23-playback-namespace-healthy",
                                           "ks24-royalty-statements-last-night"],
                           ["ks04-why-rights-api-never-ready", "ks09-why-event-kafka-3-pending",
                            "ks15-why-subtitle-reindex-failed", "ks21-why-beacon-collector-pending",
                            "ks23-playback-namespace-healthy", "ks24-royalty-statements-last-night"]),
    "scenarios_heldout8": ("heron", 24, ["hn22-inbox-api-request-rate-high", "hn23-coverage-namespace-healthy",
                                         "hn24-claims-submission-last-night"],
                           ["hn04-why-formulary-pod-never-ready", "hn09-why-results-import-failing",
                            "hn17-why-notify-queue-3-pending", "hn21-why-media-relay-pods-pending",
                            "hn23-coverage-namespace-healthy", "hn24-claims-submission-last-night"]),
    "scenarios_heldout9": ("wren", 24, ["wr22-learner-gateway-request-rate-high", "wr23-commerce-namespace-healthy",
                                        "wr24-gradebook-export-finished"],
                           ["wr05-why-subscription-renewals-failing", "wr11-why-presence-cache-pods-pending",
                            "wr17-why-certificate-backfill-failed", "wr20-why-notify-api-pods-pending",
                            "wr23-commerce-namespace-healthy", "wr24-gradebook-export-finished"]),
    "scenarios_heldout10": ("tamarack", 24, ["tm21-journey-gateway-request-rate", "tm22-fleet-namespace-healthy",
                                             "tm23-partner-feed-api-latency"],
                            ["tm05-why-gtfs-static-build-failing", "tm12-why-parts-inventory-pending",
                             "tm17-why-odometer-backfill-failed", "tm20-why-position-ingest-pending",
                             "tm22-fleet-namespace-healthy", "tm24-why-fares-api-slow"]),
    "scenarios_heldout11": ("basalt", 24, ["bg21-public-tracker-request-rate", "bg22-is-downlink-healthy",
                                           "bg23-product-api-latency"],
                            ["bg05-why-tle-sync-failing", "bg13-why-command-gateway-rollout-stuck",
                             "bg14-why-reprocess-job-stuck", "bg19-why-command-gateway-pods-pending",
                             "bg22-is-downlink-healthy", "bg24-why-frame-ingest-restarting"]),
    "scenarios_heldout12": ("quillmoor", 24, ["qm22-tariff-api-latency", "qm23-portal-web-request-rate",
                                              "qm24-is-telemetry-healthy"],
                            ["qm04-why-nodes-missing-metrics-logs", "qm05-why-meter-export-job-failed",
                             "qm06-why-no-leakage-report", "qm12-why-lora-bridge-pending",
                             "qm18-why-workorder-api-rollout-stuck", "qm24-is-telemetry-healthy"]),
    "scenarios_heldout13": ("halvane", 24, ["hv21-pass-ledger-latency", "hv22-gate-reader-replicas-unavailable",
                                            "hv23-ticket-web-request-rate", "hv24-is-lifts-healthy"],
                            ["hv07-why-season-pass-rollover-not-finished", "hv08-why-rfid-resync-pod-restarting",
                             "hv09-why-node-shipper-missing-on-some-nodes", "hv19-why-snow-forecast-pending",
                             "hv24-is-lifts-healthy"]),
    "scenarios_heldout14": ("oxbow", 24, ["ox21-bin-state-cache-latency", "ox22-harvest-rollup-memory",
                                          "ox23-bid-api-request-rate", "ox24-is-elevator-healthy"],
                            ["ox03-why-no-bin-position-report", "ox14-why-sample-grader-pending",
                             "ox20-why-statements-export-failed", "ox24-is-elevator-healthy"]),
    "scenarios_heldout15": ("galecrest", 12, ["gc05-opc-da-bridge-no-running-pods", "gc10-reading-api-replicas-unavailable",
                                              "gc12-is-forecast-healthy"],
                            ["gc04-why-blade-survey-reimport-unfinished", "gc09-why-blade-vision-restarting",
                             "gc12-is-forecast-healthy"]),
    "scenarios_heldout16": ("plugbay", 12, ["pb05-is-ingest-pool-ok", "pb11-ocpp-gateway-request-rate"],
                            ["pb04-why-no-kerb-turnover-report", "pb05-is-ingest-pool-ok",
                             "pb09-why-meter-store-scale-up-stuck"]),
    "scenarios_heldout17": ("skerry", 12, ["rv02-is-berth-planner-ok", "rv07-checkin-legacy-no-pods"],
                            ["rv02-is-berth-planner-ok", "rv10-why-no-manifest-export"]),
    "scenarios_heldout18": ("brinehold", 12, ["tg07-dockside-api-request-surge"], ["tg02-why-is-lot-catalog-slow"]),
    "scenarios_heldout19": ("varnholt", 12, ["wx03-hl7-bridge-no-running-pods", "wx09-donor-web-request-surge"],
                            ["wx05-why-is-crossmatch-slow"]),
    "scenarios_heldout20": ("tarnfell", 12, ["qv02-is-pass-shop-healthy"], ["qv02-is-pass-shop-healthy"]),
    "scenarios_heldout21": ("vardholm", 10, ["pt08-is-driver-api-ok", "pt09-driver-api-latency"],
                            ["pt07-why-is-damage-scan-pending", "pt08-is-driver-api-ok"]),
    "scenarios_heldout22": ("fernhollow", 10, ["vc10-is-hl7-bridge-down"], ["vc10-is-hl7-bridge-down"]),
    "scenarios_heldout23": ("brindlemoor", 10, ["bk09-is-dock-sync-broken"], ["bk09-is-dock-sync-broken"]),
    "scenarios_heldout24": ("quellmark", 10, ["tq10-is-seat-map-stuck"], ["tq10-is-seat-map-stuck"]),
    "scenarios_heldout25": ("sallowmere", 10, ["sv05-did-stock-sync-fail"], ["sv05-did-stock-sync-fail"]),
    "scenarios_heldout26": ("kettlewick", 10, ["kf10-is-legacy-gate-down"], ["kf10-is-legacy-gate-down"]),
    "scenarios_heldout27": ("pennystone", 10, ["pw10-is-meter-export-failing"], ["pw10-is-meter-export-failing"]),
    "scenarios_heldout28": ("larkmoor", 10, ["lk10-turnstile-gateway-restarted"], ["lk10-turnstile-gateway-restarted"]),
    "scenarios_heldout29": ("fernwick", 10, [], ["fw07-tide-export-not-running"]),
    "scenarios_heldout30": ("oakhollow", 10, ["oh08-sms-reminders-slow"], ["oh05-lab-results-not-imported"]),
    "scenarios_heldout31": ("brackenford", 10, [], ["bf06-holds-queue-pending"]),
    "scenarios_heldout32": ("saltmarsh", 10, ["sm06-captain-sms-throughput"], ["sm02-orders-api-slow"]),
    "scenarios_heldout33": ("glenwyvern", 10, ["gw06-turnstile-bridge-unavailable"], ["gw03-lesson-booking-errors"]),
    "scenarios_heldout34": ("marrowby", 10, ["mb07-journey-planner-latency"], ["mb04-fare-sync-rejected"]),
    "scenarios_heldout35": ("ferriby", 10, ["fy08-batch-node-cpu"], ["fy06-leak-alerts-late"]),
    "scenarios_heldout36": ("ashwick", 10, ["ah07-sms-reminders-5xx"], ["ah08-lab-results-slow"]),
    "scenarios_heldout37": ("kelport", 10, ["kp09-notify-legacy-no-pods"], ["kp05-nodegroup-upgrade-stuck"]),
    "scenarios_heldout38": ("draycott", 10, ["dy09-exam-results-latency"], ["dy07-grades-import-question"]),
    "scenarios_heldout39": ("wrenmoor", 10, ["wm10-telemetry-ingest-latency"], ["wm09-meter-import-slow-question"]),
    "scenarios_heldout40": ("castlebrook", 10, ["cb09-data-node-drain-question", "cb10-ticketing-api-latency"],
                            ["cb09-data-node-drain-question"]),
    "scenarios_heldout41": ("elmstead", 10, ["el09-opensearch-scale-question", "el10-reindex-node-cpu"],
                            ["el09-opensearch-scale-question"]),
    "scenarios_heldout42": ("pinecrest", 10, ["pc09-ticket-kiosk-restarts-question", "pc10-pass-sales-api-latency-rush"],
                            ["pc09-ticket-kiosk-restarts-question"]),
    "scenarios_heldout43": ("marlow", 10, ["mf09-ais-tracker-lag-question", "mf10-booking-api-latency-timetable"],
                            ["mf09-ais-tracker-lag-question"]),
    "scenarios_heldout44": ("thornbury", 10, ["tb09-report-latency-question", "tb10-audit-shipper-rollout"],
                            ["tb09-report-latency-question"]),
    "scenarios_heldout45": ("ridgeway", 10, ["rw10-billing-api-cpu-monthend"],
                            ["rw09-ingestion-lag-question"]),
    "scenarios_heldout46": ("northgate", 10, ["ng10-search-indexer-rotation-noise"],
                            ["ng09-homepage-slow-question"]),
    "scenarios_heldout47": ("saltcombe", 10, ["sc10-batch-node-cpu-high"],
                            ["sc09-bookings-timing-out-question"]),
    "scenarios_heldout48": ("emberfall", 10, ["ef10-game-session-offpeak-scale-down"],
                            ["ef09-leaderboard-stale-question"]),
    "scenarios_heldout49": ("quillmark", 10, ["qk10-search-api-blue-no-hosts"],
                            ["qk09-article-pages-slow"]),
    "scenarios_heldout50": ("larchfield", 10, ["lf10-node-count-over-budget"],
                            ["lf09-alerts-arriving-late"]),
    "scenarios_heldout51": ("fernhollow", 10, ["fh10-leak-detector-cpu-sweep"],
                            ["fh09-pressure-dashboard-behind"]),
    "scenarios_heldout52": ("coppergate", 10, ["cg10-exam-sessions-no-pods"],
                            ["cg09-upload-failures-question"]),
    "scenarios_heldout53": ("brackenridge", 10, ["br08-payments-request-surge", "br10-booking-traffic-campaign"],
                            ["br09-lab-results-slow"]),
    "scenarios_heldout54": ("tidewater", 10, ["td10-ticketing-traffic-surge"],
                            ["td09-manifests-store-restart"]),
    "scenarios_heldout55": ("quillmoor", 10, ["qr10-election-night-traffic"],
                            ["qr09-log-shipper-missing"]),
    "scenarios_heldout57": ("junipervale", 10, ["jv10-legacy-portal-down"],
                            ["jv09-hpa-not-scaling"]),
    "scenarios_heldout56": ("cinderholt", 10, ["co10-highmem-maintenance-window"],
                            ["co09-scheduler-restarts-overnight"]),
    "scenarios_heldout58": ("emberfold", 10, ["em10-reports-legacy-no-pods"],
                            ["em09-demand-forecast-slow"]),
    "scenarios_heldout59": ("ravenmoor", 10, ["rm10-election-night-prescale"],
                            ["rm09-cdn-purges-slow"]),
    "scenarios_heldout60": ("ashgrove", 10, ["ag10-quiz-latency-blip"],
                            ["ag09-slow-lecture-uploads"]),
    "scenarios_heldout61": ("heronsgate", 10, ["hg10-booking-latency-blip"],
                            ["hg09-weather-feed-stale"]),
    "scenarios_heldout62": ("mossbank", 10, ["mk10-node-notready-maintenance"],
                            ["mk09-reconciliation-report-missing"]),
    "scenarios_heldout63": ("thornwick", 10, ["tk10-payments-latency-blip"],
                            ["tk09-stadium-capacity"]),
    "scenarios_heldout64": ("wealdmere", 10, ["wt10-departure-boards-5xx-blip"],
                            ["wt09-stale-arrival-predictions"]),
    "scenarios_heldout65": ("copperbeck", 10, ["dc10-milk-intake-5xx-blip"],
                            ["dc09-lab-results-missing"]),
    "scenarios_heldout66": ("hollinsby", 10, ["hb10-order-api-5xx-blip"],
                            ["hb09-batch-records-late"]),
    "scenarios_heldout67": ("rookhaven", 10, ["rk10-checkin-node-cpu"],
                            ["rk09-portal-stale-bag-locations"]),
    "scenarios_heldout68": ("gorsedale", 10, ["gd10-ingest-traffic-surge"],
                            ["gd09-lighting-schedules-slow"]),
    "scenarios_heldout69": ("kingsmere", 10, ["km10-booking-site-traffic-surge"],
                            ["km09-housekeeping-logouts"]),
}


# faults whose fix can lie outside the cluster, where no kubectl change clears them: a provider's outage, capacity an
# AWS node group must add (a zone with no node left for a zonal volume; spot capacity taken back), a credential only
# its issuer can give (a key rotated to a wrong value, the right one nowhere in the cluster)
OUTSIDE_THE_CLUSTER = (RootCauseCategory.DEPENDENCY_FAILURE, RootCauseCategory.UNSCHEDULABLE,
                       RootCauseCategory.STALE_CREDENTIAL)


@pytest.mark.parametrize("set_dir", sorted(SETS))
def test_every_scenario_loads_with_its_references_checked_and_the_mix_holds(set_dir):
    world, count, no_fault, questions = SETS[set_dir]
    loaded = load_scenarios(load_catalog(), [EVAL / set_dir])
    assert len(loaded) == count
    assert all(item.scenario.cluster.world == world for item in loaded.values())
    assert sorted(sid for sid, item in loaded.items() if item.scenario.truth.category == RootCauseCategory.NONE) == no_fault
    assert sorted(sid for sid, item in loaded.items() if item.scenario.alarm is None) == questions
    for sid, item in loaded.items():
        truth = item.scenario.truth
        if truth.category == RootCauseCategory.NONE:
            assert truth.resource == "" and not truth.remediations, sid
        elif truth.category not in OUTSIDE_THE_CLUSTER:
            assert truth.remediations, f"{sid}: a fault scenario needs the remediation that clears it"


@pytest.mark.parametrize("set_dir", sorted(SETS))
def test_image_blocks_match_images_yml(tmp_path, set_dir):
    copy = tmp_path / "set"
    shutil.copytree(EVAL / set_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert scenario_images.sync(copy) == [], "after editing images.yml: python -m sre_agent.eval.scenario_images <set dir>"
