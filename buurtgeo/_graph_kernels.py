"""Compiled graph kernels (numba, cached on disk) over a network's CSR arrays.

The searches behind :class:`buurtgeo.network.Network`, each over ``indptr``,
``indices`` and ``data`` (edge lengths, metres):

* a binary min-heap (``_heap_push``, ``_heap_pop``);
* ``_multi_source_kernel`` (binary heap) and ``_multi_source_bucket_kernel`` (Dial's
  bucket queue in a ring): multi-source Dijkstra, the distance from every node to its
  closest source (:meth:`Network.nearest`);
* ``_pairs_kernel`` (binary heap, lazy deletion) and ``_pairs_bucket_kernel`` (Dial's
  bucket queue, buckets of at most half the shortest edge): a Dijkstra search bounded
  by a radius from each source in turn (:meth:`Network.pairs_within`), reusing one
  distance workspace over the nodes;
* ``_join_pairs_kernel`` and ``_join_nearest_kernel``: the same searches from points
  joined to the network (several seeds each), turned into (service, origin) pairs and
  nearest distances for :mod:`buurtgeo._engines`.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _heap_push(keys, vals, size, key, val):
    """Push (key, val) on a binary min-heap stored in keys/vals[:size]; return new size."""
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(keys, vals, size):
    """Remove the minimum of the heap (keys/vals[:size]); return (key, val, new size)."""
    top_key = keys[0]
    top_val = vals[0]
    size -= 1
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        vals[i] = vals[child]
        i = child
    keys[i] = key
    vals[i] = val
    return top_key, top_val, size


@njit(cache=True, nogil=True)
def _grow(a):
    """A copy of ``a`` with twice the room (an explicit loop: slice copies compile slowly)."""
    b = np.empty(2 * a.shape[0], dtype=a.dtype)
    for j in range(a.shape[0]):
        b[j] = a[j]
    return b


@njit(cache=True, nogil=True)
def _multi_source_kernel(indptr, indices, data, src_nodes, src_off, n):
    """Multi-source Dijkstra: dist[j] = min_i off_i + D(src_i, j); ties to the lowest i.

    Keys pushed for a node strictly decrease, so a popped entry is current exactly when
    its key equals ``dist``; no settled flags are needed. The heap holds one entry per
    successful relaxation: at most one per stored edge plus one per source, so it is
    allocated once at that size."""
    dist = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    keys = np.empty(len(data) + len(src_nodes) + 1, dtype=np.float64)
    vals = np.empty(keys.shape[0], dtype=np.int64)
    size = 0
    for i in range(len(src_nodes)):
        s = src_nodes[i]
        d = src_off[i]
        if d < dist[s] or (d == dist[s] and i < label[s]):
            dist[s] = d
            label[s] = i
            size = _heap_push(keys, vals, size, d, s)
    while size > 0:
        d, u, size = _heap_pop(keys, vals, size)
        if d > dist[u]:
            continue  # a stale entry: u was pushed again with a smaller key
        lu = label[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd < dist[v]:
                dist[v] = nd
                label[v] = lu
                size = _heap_push(keys, vals, size, nd, v)
            elif nd == dist[v] and lu < label[v]:
                label[v] = lu  # a tie: v is still in the heap (u pops first), relabel only
    return dist, label


@njit(cache=True, nogil=True)
def _multi_source_bucket_kernel(
    indptr, indices, data, src_nodes, src_off, n, width, n_cyc
):  # pragma: no cover - compiled
    """:func:`_multi_source_kernel` with a bucket queue (Dial's algorithm): the same
    distances and labels at O(1) per push and pop.

    Buckets of ``width`` at most half the shortest edge (so a bucket's labels are final
    whatever their order, see :func:`_pairs_bucket_kernel`), kept in a ring of
    ``n_cyc > longest edge / width + 1`` buckets: every label waiting in the queue lies
    within one longest edge of the one being settled. Sources enter in order of their
    offsets when the queue reaches them (their offsets may spread wider than the ring).
    Ties keep the lowest source: a node's label is final when it is settled, since
    every node it could be reached from at the same distance lies in an earlier bucket.
    """
    dist = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    head = np.full(n_cyc, -1, dtype=np.int64)
    cap = len(data) + len(src_nodes) + 1  # one entry per successful relaxation at most
    e_key = np.empty(cap, dtype=np.float64)
    e_node = np.empty(cap, dtype=np.int64)
    e_next = np.empty(cap, dtype=np.int64)
    n_e = 0
    queued = 0  # entries in the ring (stale ones included)
    inv = 1.0 / width
    seeds = np.argsort(src_off, kind="mergesort")  # stable: ties in source order
    k = 0
    b = np.int64(0)
    while k < len(seeds) or queued > 0:
        if queued == 0:  # jump to the next source's bucket
            b = max(b, np.int64(src_off[seeds[k]] * inv))
        while k < len(seeds) and np.int64(src_off[seeds[k]] * inv) <= b:
            i = seeds[k]
            k += 1
            s = src_nodes[i]
            d = src_off[i]
            if d < dist[s] or (d == dist[s] and i < label[s]):
                dist[s] = d
                label[s] = i
                c = np.int64(d * inv) % n_cyc
                e_key[n_e], e_node[n_e], e_next[n_e] = d, s, head[c]
                head[c] = n_e
                n_e += 1
                queued += 1
        c = b % n_cyc
        p = head[c]
        if p < 0:
            b += 1
            continue
        head[c] = e_next[p]
        queued -= 1
        d = e_key[p]
        u = e_node[p]
        if d > dist[u]:
            continue  # stale entry
        lu = label[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd < dist[v]:
                dist[v] = nd
                label[v] = lu
                cv = max(np.int64(nd * inv), b + 1) % n_cyc
                e_key[n_e], e_node[n_e], e_next[n_e] = nd, v, head[cv]
                head[cv] = n_e
                n_e += 1
                queued += 1
            elif nd == dist[v] and lu < label[v]:
                label[v] = lu
    return dist, label


# --------------------------------------------------------------------------------------
# Bounded searches. Their buffers are sized so that they never fill (a settled list of
# every node; a queue with room for one entry per stored edge plus the seeds: each edge
# relaxes successfully at most once per search) and allocated once per call: numpy
# leaves untouched pages unmapped, so only what a search uses costs memory. Arrays that
# a hot loop may reassign (to grow them) keep numba from hoisting their bounds and data
# pointers, which made these loops three times slower.
# --------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _search_bucket(
    indptr, indices, data, s_node, s_cost, lo, hi, r, dist, settled, head, qk, qn, qx, width
):  # pragma: no cover - compiled
    """Dijkstra bounded by ``r`` from the seeds ``lo:hi`` (node ``s_node[p]`` at cost
    ``s_cost[p]``) with a bucket queue (Dial's algorithm).

    Bucket ``b`` holds the labels ``d`` with ``floor(d / width) = b``. With ``width``
    at most half the shortest edge, relaxing an edge from a label of bucket ``b``
    always lands in a later bucket (``d + w >= d + 2 width``), so every label taken
    from the lowest non-empty bucket is final whatever the order within the bucket:
    the distances are those of Dijkstra's algorithm, bit for bit (the same sums
    ``d_u + w_uv`` are formed and the smallest kept). Pushes and pops cost O(1); the
    buckets (``head``, all -1 on entry and on return, more than ``r / width``) are
    singly linked lists in ``qk``/``qn``/``qx``. ``dist`` is all ``inf`` on entry; every
    node it sets is within ``r``, so settled: ``settled[:count]`` lists them on return
    (the caller resets them). Returns ``count``."""
    inv = 1.0 / width
    n_e = 0
    last = np.int64(r * inv)
    b = last + 1
    for p in range(lo, hi):
        d0 = s_cost[p]
        s = s_node[p]
        if d0 <= r and d0 < dist[s]:
            dist[s] = d0
            bb = np.int64(d0 * inv)
            qk[n_e] = d0
            qn[n_e] = s
            qx[n_e] = head[bb]
            head[bb] = n_e
            n_e += 1
            if bb < b:
                b = bb
    count = 0
    while b <= last:
        q = head[b]
        if q < 0:
            b += 1
            continue
        head[b] = qx[q]
        d = qk[q]
        u = qn[q]
        if d > dist[u]:
            continue  # stale entry
        settled[count] = u
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd <= r and nd < dist[v]:
                dist[v] = nd
                # never an earlier bucket (cannot happen with width <= w_min / 2, but a
                # label must never be lost)
                nb = max(np.int64(nd * inv), b)
                qk[n_e] = nd
                qn[n_e] = v
                qx[n_e] = head[nb]
                head[nb] = n_e
                n_e += 1
    return count


@njit(cache=True, nogil=True)
def _search_heap(
    indptr, indices, data, s_node, s_cost, lo, hi, r, dist, settled, qk, qn
):  # pragma: no cover - compiled
    """:func:`_search_bucket` with a binary heap (lazy deletion), for networks whose
    shortest edge would need too many buckets. Returns ``count``."""
    size = 0
    for p in range(lo, hi):
        d0 = s_cost[p]
        s = s_node[p]
        if d0 <= r and d0 < dist[s]:
            dist[s] = d0
            size = _heap_push(qk, qn, size, d0, s)
    count = 0
    while size > 0:
        d, u, size = _heap_pop(qk, qn, size)
        if d > dist[u]:
            continue  # stale entry
        settled[count] = u
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd <= r and nd < dist[v]:
                dist[v] = nd
                size = _heap_push(qk, qn, size, nd, v)
    return count


@njit(cache=True, nogil=True)
def _search(
    indptr, indices, data, s_node, s_cost, lo, hi, r, dist, settled, head, qk, qn, qx, width
):  # pragma: no cover - compiled
    """:func:`_search_bucket` when ``width > 0``, else :func:`_search_heap`."""
    if width > 0.0:
        return _search_bucket(
            indptr, indices, data, s_node, s_cost, lo, hi, r, dist, settled, head, qk, qn, qx, width
        )
    return _search_heap(indptr, indices, data, s_node, s_cost, lo, hi, r, dist, settled, qk, qn)


@njit(cache=True, nogil=True)
def _search_buffers(n_nodes, n_stored, n_seeds, n_buckets):  # pragma: no cover - compiled
    """``settled``, ``head``, ``qk``, ``qn``, ``qx`` for :func:`_search`."""
    cap = n_stored + n_seeds + 1
    return (
        np.empty(n_nodes, dtype=np.int64),
        np.full(max(n_buckets, 1), -1, dtype=np.int64),
        np.empty(cap, dtype=np.float64),
        np.empty(cap, dtype=np.int64),
        np.empty(cap, dtype=np.int64),
    )


@njit(cache=True, nogil=True)
def _pairs_run(
    indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes, width, n_buckets
):  # pragma: no cover - compiled
    """Bounded Dijkstra from each source in turn: every node with
    ``off_i + D(src_i, node) <= radius_i``. Returns ``counts`` (pairs per source),
    ``node``, ``dist`` (grouped by source; nodes ascending within a source when
    ``sort_nodes``, else in the order settled) and the number of pairs ``m``
    (``node[:m]``, ``dist[:m]`` are valid). ``dist`` is a workspace over all nodes, all
    ``inf`` on entry and again on return."""
    settled, head, qk, qn, qx = _search_buffers(dist.shape[0], data.shape[0], 1, n_buckets)
    out_n = np.empty(4096, dtype=np.int64)
    out_d = np.empty(4096, dtype=np.float64)
    counts = np.zeros(len(src_nodes), dtype=np.int64)
    m = 0
    for i in range(len(src_nodes)):
        if not src_off[i] <= radius[i]:
            continue
        count = _search(
            indptr, indices, data, src_nodes, src_off, i, i + 1, radius[i], dist, settled,
            head, qk, qn, qx, width,
        )  # fmt: skip
        while m + count > out_n.shape[0]:
            out_n = _grow(out_n)
            out_d = _grow(out_d)
        if sort_nodes:
            settled[:count].sort()
        for t in range(count):
            u = settled[t]
            out_n[m + t] = u
            out_d[m + t] = dist[u]
            dist[u] = np.inf
        counts[i] = count
        m += count
    return counts, out_n, out_d, m


@njit(cache=True, nogil=True)
def _pairs_kernel(
    indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes
):  # pragma: no cover - compiled
    """:func:`_pairs_run` with a binary heap (lazy deletion); used when the bucket
    queue of :func:`_pairs_bucket_kernel` would need too many buckets (very short
    edges)."""
    return _pairs_run(indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes, 0.0, 0)


@njit(cache=True, nogil=True)
def _pairs_bucket_kernel(
    indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes, width, n_buckets
):  # pragma: no cover - compiled
    """:func:`_pairs_run` with a bucket queue of ``n_buckets > radius / width`` buckets of
    ``width`` at most half the shortest edge (see :func:`_search_bucket`)."""
    return _pairs_run(
        indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes, width, n_buckets
    )


@njit(cache=True, nogil=True, inline="always")
def _street_gap(s_from, s_to, fwd, bwd):  # pragma: no cover - compiled
    """Metres along a street from position ``s_from`` to ``s_to`` (``inf`` against a
    one-way street)."""
    if s_to > s_from:
        return s_to - s_from if fwd else np.inf
    if s_to < s_from:
        return s_from - s_to if bwd else np.inf
    return 0.0


@njit(cache=True, nogil=True)
def _join_pairs_kernel(
    indptr,
    indices,
    data,
    sources,
    radius,
    s_ptr,
    s_node,
    s_cost,
    a_ptr,
    a_street,
    a_pos,
    a_cost,
    fwd,
    bwd,
    ex_start,
    ex_origin,
    ex_cost,
    at_start,
    at_origin,
    at_pos,
    at_cost,
    dist,
    od,
    width,
    n_buckets,
):  # pragma: no cover - compiled
    """Every (service, origin) pair with ``d(origin -> service) <= radius``, exactly once.

    For each service ``j`` of ``sources`` (its seeds ``s_ptr[j]:s_ptr[j + 1]``: node
    and cost of reaching the service from there), a Dijkstra bounded by ``radius[q]``
    over the (reversed) graph gives ``D(x)`` for every node ``x`` within reach; an
    origin ``i`` with exits ``(x, c)`` (grouped by node in ``ex_*``) is
    then at ``min_x D(x) + c``, and an origin on the same street as one of the
    service's attachments (grouped by street in ``at_*``) also at
    ``c_i + |s_i - s_j| + c_j`` along the street. ``od`` (over origins) keeps the
    minimum; both workspaces are all ``inf`` on entry and on return.

    Returns ``counts`` (pairs per service of ``sources``), ``origin``, ``d`` and the
    number of pairs ``m`` (grouped by service, in the order of ``sources``).
    """
    max_seeds = 0
    for q in range(sources.shape[0]):
        max_seeds = max(max_seeds, s_ptr[sources[q] + 1] - s_ptr[sources[q]])
    settled, head, qk, qn, qx = _search_buffers(dist.shape[0], data.shape[0], max_seeds, n_buckets)
    touched = np.empty(od.shape[0], dtype=np.int64)  # each origin at most once per service
    out_o = np.empty(4096, dtype=np.int64)
    out_d = np.empty(4096, dtype=np.float64)
    counts = np.zeros(sources.shape[0], dtype=np.int64)
    m = 0
    for q in range(sources.shape[0]):
        j = sources[q]
        r = radius[q]
        count = _search(
            indptr, indices, data, s_node, s_cost, s_ptr[j], s_ptr[j + 1], r, dist, settled,
            head, qk, qn, qx, width,
        )  # fmt: skip
        n_t = _collect(
            settled, count, dist, r, ex_start, ex_origin, ex_cost, a_ptr[j], a_ptr[j + 1],
            a_street, a_pos, a_cost, fwd, bwd, at_start, at_origin, at_pos, at_cost, od, touched,
        )  # fmt: skip
        for t in range(count):  # reset the node workspace
            dist[settled[t]] = np.inf
        while m + n_t > out_o.shape[0]:
            out_o = _grow(out_o)
            out_d = _grow(out_d)
        for t in range(n_t):
            o = touched[t]
            out_o[m + t] = o
            out_d[m + t] = od[o]
            od[o] = np.inf
        counts[q] = n_t
        m += n_t
    return counts, out_o, out_d, m


@njit(cache=True, nogil=True)
def _collect(
    settled,
    count,
    dist,
    r,
    ex_start,
    ex_origin,
    ex_cost,
    a_lo,
    a_hi,
    a_street,
    a_pos,
    a_cost,
    fwd,
    bwd,
    at_start,
    at_origin,
    at_pos,
    at_cost,
    od,
    touched,
):  # pragma: no cover - compiled
    """The origins within ``r`` of one service after its search: through the nodes it
    settled (``dist``), and along the streets of its attachments ``a_lo:a_hi``; each
    origin's least distance in ``od``, each origin once in ``touched``. Returns how many."""
    n_t = 0
    for t in range(count):  # origins leaving through a node within reach
        x = settled[t]
        base = dist[x]
        for p in range(ex_start[x], ex_start[x + 1]):
            d = base + ex_cost[p]
            if d > r:
                continue
            o = ex_origin[p]
            if od[o] == np.inf:
                touched[n_t] = o
                n_t += 1
            if d < od[o]:
                od[o] = d
    for a in range(a_lo, a_hi):  # origins on one of the service's streets
        e = a_street[a]
        for p in range(at_start[e], at_start[e + 1]):
            d = at_cost[p] + _street_gap(at_pos[p], a_pos[a], fwd[e], bwd[e]) + a_cost[a]
            if d > r:
                continue
            o = at_origin[p]
            if od[o] == np.inf:
                touched[n_t] = o
                n_t += 1
            if d < od[o]:
                od[o] = d
    return n_t


@njit(cache=True, nogil=True)
def _join_nearest_kernel(
    node_dist,
    oe_ptr,
    oe_node,
    oe_cost,
    a_street,
    a_pos,
    a_cost,
    fwd,
    bwd,
    at_start,
    at_origin,
    at_pos,
    at_cost,
):  # pragma: no cover - compiled
    """Each origin's distance to its nearest service: ``min`` over its exits ``(x, c)``
    of ``node_dist[x] + c`` (``node_dist``: every node's distance to its nearest
    service), and over the services' attachments on its street of the distance along
    the street."""
    n = oe_ptr.shape[0] - 1
    best = np.full(n, np.inf)
    for i in range(n):
        b = np.inf
        for p in range(oe_ptr[i], oe_ptr[i + 1]):
            d = node_dist[oe_node[p]] + oe_cost[p]
            if d < b:
                b = d
        best[i] = b
    for a in range(a_street.shape[0]):
        e = a_street[a]
        for p in range(at_start[e], at_start[e + 1]):
            d = at_cost[p] + _street_gap(at_pos[p], a_pos[a], fwd[e], bwd[e]) + a_cost[a]
            o = at_origin[p]
            if d < best[o]:
                best[o] = d
    return best
