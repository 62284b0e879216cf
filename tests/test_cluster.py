"""The cluster's arithmetic: shard counts every process can share, and each child's place in the environment."""

from bot.cluster import Cluster, cluster_shard_count


def test_the_recommendation_is_rounded_up_to_a_multiple_of_the_processes() -> None:
    assert [cluster_shard_count(recommended, 4) for recommended in (1, 4, 5)] == [4, 4, 8]


def test_a_child_gets_its_index_the_shared_count_and_its_own_metrics_port() -> None:
    cluster = Cluster(processes=3, shard_count=6, environment={"SHARD_IDS": "0"}, metrics_port=9100)

    environment = cluster.child_environment(2)

    assert {name: environment[name] for name in ("SHARD_COUNT", "CLUSTER_INDEX", "CLUSTER_COUNT", "SHARD_IDS")} == {
        "SHARD_COUNT": "6",
        "CLUSTER_INDEX": "2",
        "CLUSTER_COUNT": "3",
        "SHARD_IDS": "",
    }
    assert environment["METRICS_PORT"] == "9102"
