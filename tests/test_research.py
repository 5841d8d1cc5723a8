"""Research-grade tools: global sensitivity (SALib), Dask scale-out, COMBINE archives."""

import dataclasses
import json

import numpy as np
import pytest

from pathway import simulate
from pathway.cli import main
from pathway.modelfile import Variation
from pathway.population import simulate_population
from pathway.sensitivity import sensitivity

D = 24.0


@pytest.fixture(scope="module")
def sobol(model):
    return sensitivity(model, model.roles.showcase[0], at="3h,7d", n=64, seed=3)


def test_sobol_finds_what_matters_and_what_cannot(model, sobol):
    """The showcase scenario is one ketamine infusion: at 3 h the severity knob leads, and
    the drug's fast route and the placebo response follow (the fitted model ranks the
    NMDA rest block, the fast relief gain and the expectancy's onset beside the placebo
    strength); parameters of the SSRI route cannot move it at all."""
    early = sobol.indices["3h"]
    top = sobol.ranked("3h")[:5]
    assert top[0] == "relief_half_drive" and "placebo_strength" in top
    for name in ("autoreceptor_desensitisation_time", "bdnf_expression_time", "ssri_sert_ec50"):
        assert early[name]["ST"] < 0.02 and sobol.indices["7d"][name]["ST"] < 0.02
    # the knob of new spines does nothing at 3 h and matters a week later
    late = sobol.indices["7d"]
    assert early["spine_formation_half"]["ST"] < 0.01 < 0.05 < late["spine_formation_half"]["ST"]
    assert all(0 <= r["ST_conf"] < 1 for r in late.values())


def test_sensitivity_is_deterministic_by_seed(model, sobol):
    again = sensitivity(model, model.roles.showcase[0], at="3h,7d", n=64, seed=3)
    assert again.indices == sobol.indices
    other = sensitivity(model, model.roles.showcase[0], at="3h,7d", n=64, seed=4)
    assert other.indices != sobol.indices


def test_morris_ranks_the_same_leaders(model):
    res = sensitivity(model, model.roles.showcase[0], at="3h", n=12, seed=1, method="morris")
    assert res.runs == 12 * (len(res.parameters) + 1)
    assert set(res.ranked("3h")[:5]) >= {"relief_half_drive", "placebo_strength"}


def test_sensitivity_cli_json_and_figure(tmp_path, capsys):
    figure = tmp_path / "s.png"
    assert main(["sensitivity", "--scenario", "ssri", "--at", "8w", "--n", "16", "--seed", "1",
                 "--json", "--figure", str(figure), "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "sobol" and data["times"] == ["8w"]
    assert set(data["indices"]["8w"]["autoreceptor_desensitisation_time"]) == {"S1", "S1_conf", "ST", "ST_conf"}
    assert figure.stat().st_size > 10_000
    assert main(["sensitivity", "--scenario", "ssri", "--n", "30"]) == 2
    assert "power of two" in capsys.readouterr().err


def test_population_varies_a_clearance(model):
    """Pharmacokinetic parameters vary between people too (the compiler says they
    enter the PK matrix; each person's modes are recomputed): a faster-cleared
    expectancy store leaves less of it two days after the visit."""
    spec = dataclasses.replace(model.population, variations=model.population.variations + (
        Variation("expectancy_clearance", "lognormal", 0.3, "", ()),))
    varied = dataclasses.replace(model, population=spec)
    store = model.roles.expectancy
    pop = simulate_population(varied, model.roles.showcase[0], n=300, seed=2,
                              times_h=[48.0], outputs=[store])
    assert np.corrcoef(pop.values["expectancy_clearance"], pop.extra[store][:, 0])[0, 1] < -0.9


def test_shared_upstream_nodes_keep_the_accuracy(model, monkeypatch):
    """The nodes that no varying parameter reaches (drug to NMDA to AMPA, the SSRI
    chain) are integrated once and read by every person. With nasal sprays and a
    daily pill each person's outcome stays within the documented 1.4e-3 of a tight
    solve in which every person is integrated whole."""
    from pathway import compile_model, population

    found = []
    shared_nodes = population.shared_nodes
    monkeypatch.setattr(population, "shared_nodes", lambda b: found.append(shared_nodes(b)) or found[-1])
    fast = simulate_population(model, "sustain-continue", n=48, seed=5, at="24h,7d,4w")
    column, group = found[0]
    system = compile_model(model)
    k = system.kernel
    n_drug = len(system.drug_ids)
    shared = set(np.flatnonzero(column >= 0))
    assert {system.node_index(n) for n in ("ampa", "serotonin")} <= shared

    def node_of(use):
        """The node whose equation a parameter's entry in a kernel array changes (the
        parameter matrices are flat-indexed: row = index // columns)."""
        if use.array == "n_par":
            return use.index // k.n_par.shape[1]
        if use.array == "e_par":
            return int(k.e_tgt[use.index // k.e_par.shape[1]])
        return int(k.e_tgt[use.index]) if use.array.startswith("e_") else use.index
    reached = {node_of(use) for var in model.population.variations
               for use in system.param_uses[var.parameter]}
    assert not shared & reached
    for e in range(len(k.e_src)):      # a shared node reads only drugs and shared nodes
        assert k.e_tgt[e] not in shared or k.e_src[e] < n_drug or k.e_src[e] - n_drug in shared
    assert len(np.unique(group)) <= len(model.population.genotypes)

    monkeypatch.setattr(population, "MIN_SHARED", np.inf)
    monkeypatch.setattr(population, "ATOL", 1e-9)
    whole = simulate_population(model, "sustain-continue", n=48, seed=5, at="24h,7d,4w",
                                rtol=1e-6)
    assert len(found) == 2 and np.all(found[1][0] < 0)
    assert np.abs(fast.outcome - whole.outcome).max() < 1.4e-3


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_gives_the_serial_answer(model, client):
    serial = simulate_population(model, "ketamine-iv", n=600, seed=9, at="24h,7d")
    mapped = simulate_population(model, "ketamine-iv", n=600, seed=9, at="24h,7d", dask=client,
                                 chunk=100)
    np.testing.assert_array_equal(serial.outcome, mapped.outcome)
    a = sensitivity(model, "ketamine-iv", at="24h", n=16, seed=2)
    b = sensitivity(model, "ketamine-iv", at="24h", n=16, seed=2, dask=client)
    assert a.indices == b.indices


def test_omex_archive_runs_its_sedml_in_roadrunner(model, tmp_path):
    """Open the archive as another tool would: read the manifest (libcombine), the
    SED-ML (libsedml), run the time course it describes on its SBML in libroadrunner,
    and compare with this package's own simulation."""
    libcombine = pytest.importorskip("libcombine")
    libsedml = pytest.importorskip("libsedml")
    pytest.importorskip("roadrunner")
    from pathway.sbml import export_omex, run_roadrunner, start_time_h
    out = export_omex(model, "ketamine-iv", tmp_path / "k.omex", days=7)
    archive = libcombine.CombineArchive()
    assert archive.initializeFromArchive(str(out))
    entries = {archive.getEntry(i).getLocation(): archive.getEntry(i) for i in range(archive.getNumEntries())}
    assert entries["./simulation.sedml"].getMaster()
    doc = libsedml.readSedMLFromString(archive.extractEntryToString("./simulation.sedml"))
    assert doc.getNumErrors(libsedml.LIBSEDML_SEV_ERROR) == 0
    sim = doc.getSimulation(0)
    ids = [doc.getDataGenerator(i).getName() for i in range(doc.getNumDataGenerators())]
    assert set(model.readouts) <= set(ids)
    sbml = archive.extractEntryToString("./" + doc.getModel(0).getSource())
    result = run_roadrunner(sbml, sim.getOutputEndTime(), sim.getNumberOfPoints() + 1,
                            list(model.readouts))
    offset = start_time_h(model, "ketamine-iv", 7)
    ours = simulate(model, "ketamine-iv", days=7, t_eval=result[:, 0] + offset)
    for j, name in enumerate(model.readouts, start=1):
        scale = max(abs(ours[name]).max(), 1e-9)
        assert np.abs(result[:, j] - ours[name]).max() <= 1e-3 * max(scale, 1.0), name
