# SPDX-License-Identifier: GPL-2.0-or-later
"""What query-topology says the machine is, in the shapes the per-channel
comparisons (check_*.py) need, and the result of one comparison."""


# query-topology level names, outermost first, and their props keys.
LEVEL_KEYS = ["drawer", "book", "socket", "die", "cluster", "module", "core", "thread"]


def model_domains(topo, level):
    """{arch-id: key of the @level domain} for present vCPUs, where the key
    is the tuple of ids from the outermost level down to @level."""
    depth = LEVEL_KEYS.index(level)
    out = {}
    for v in topo["vcpus"]:
        if not v["present"]:
            continue
        p = v["props"]
        out[v["arch-id"]] = tuple(p.get(k + "-id", 0) for k in LEVEL_KEYS[:depth + 1])
    return out


def groups_by_key(dom):
    """{arch-id: set of arch-ids with the same key in @dom}."""
    groups = {}
    for a, key in dom.items():
        groups.setdefault(key, set()).add(a)
    return {a: groups[key] for a, key in dom.items()}


def model_groups(topo, level):
    """{arch-id: set of arch-ids in the same @level domain}."""
    return groups_by_key(model_domains(topo, level))


def cache_domains(topo, cache):
    """{arch-id: key of the instance of @cache (a query-topology cache)
    it uses}: the domain of the cache's sharing level, and the NUMA node
    too for a cache that follows the nodes (per-node)."""
    dom = model_domains(topo, cache["topology"])
    if not cache.get("per-node"):
        return dom
    node = {v["arch-id"]: v["props"].get("node-id") for v in topo["vcpus"]}
    return {a: key + (node[a],) for a, key in dom.items()}


def cache_groups(topo, cache):
    """{arch-id: set of arch-ids that share its instance of @cache}."""
    return groups_by_key(cache_domains(topo, cache))


def cache_sharing_errors(topo, want, holders, where):
    """Each cache instance a table describes must be shared by one domain
    of the level the model shares it per: @holders maps (cache name,
    the instance in the table) to the arch ids that hold it, @want the
    cache name to query-topology's cache.  One message per cache that is
    not."""
    bad = set()
    for (name, _), arch in holders.items():
        groups = cache_groups(topo, want[name])
        for a in arch:
            if groups.get(a) != arch:
                bad.add("%s shared by %s in %s, model %s" % (
                    name, sorted(arch), where, sorted(groups.get(a, ()))))
                break
    return bad


def id_bits(n):
    """Width of an APIC ID field for @n values (SDM vol. 3A 10.12.8)."""
    return (n - 1).bit_length()


def size_bytes(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


class Result:
    def __init__(self, name, ok, detail=""):
        self.name, self.ok, self.detail = name, ok, detail
