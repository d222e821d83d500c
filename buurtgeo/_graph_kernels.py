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
  distance workspace over the nodes.
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
    cap = len(data) + len(src_nodes) + 1
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
                if n_e == e_key.shape[0]:
                    e_key, e_node, e_next = _grow(e_key), _grow(e_node), _grow(e_next)
                cv = max(np.int64(nd * inv), b + 1) % n_cyc
                e_key[n_e], e_node[n_e], e_next[n_e] = nd, v, head[cv]
                head[cv] = n_e
                n_e += 1
                queued += 1
            elif nd == dist[v] and lu < label[v]:
                label[v] = lu
    return dist, label


@njit(cache=True, nogil=True)
def _finish_source(out_n, out_d, start, count, dist, sort_nodes):  # pragma: no cover
    """One source's search is done: (if ``sort_nodes``) sort its settled nodes
    (``out_n[start:count]``), read their distances from the workspace and reset it to
    ``inf``. Every node the search touched was settled (a node is only pushed when
    within the radius), so this resets exactly what was written."""
    if sort_nodes:
        seg = np.sort(out_n[start:count])
        for t in range(count - start):
            out_n[start + t] = seg[t]
    for t in range(start, count):
        u = out_n[t]
        out_d[t] = dist[u]
        dist[u] = np.inf


@njit(cache=True, nogil=True)
def _pairs_kernel(
    indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes
):  # pragma: no cover - compiled
    """Bounded Dijkstra from each source in turn, with a binary heap (lazy deletion).

    Returns ``counts`` (pairs per source), ``node``, ``dist`` (grouped by source, nodes
    ascending within a source) and the number of pairs ``m`` (``node[:m]``,
    ``dist[:m]`` are valid): every node with ``off_i + D(src_i, node) <= radius_i``
    (in the order settled unless ``sort_nodes``). ``dist`` is a workspace over all
    nodes, all ``inf`` on entry and again on return.
    Used when the bucket queue of :func:`_pairs_bucket_kernel` would need too many
    buckets (very short edges)."""
    keys = np.empty(1024, dtype=np.float64)
    vals = np.empty(1024, dtype=np.int64)
    out_n = np.empty(4096, dtype=np.int64)
    out_d = np.empty(4096, dtype=np.float64)
    counts = np.zeros(len(src_nodes), dtype=np.int64)
    count = 0
    for i in range(len(src_nodes)):
        r = radius[i]
        s = src_nodes[i]
        d0 = src_off[i]
        if not d0 <= r:
            continue
        dist[s] = d0
        size = _heap_push(keys, vals, 0, d0, s)
        start = count
        while size > 0:
            d, u, size = _heap_pop(keys, vals, size)
            if d > dist[u]:
                continue  # stale entry
            if count == out_n.shape[0]:
                out_n = _grow(out_n)
                out_d = _grow(out_d)
            out_n[count] = u
            count += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + data[e]
                if nd <= r and nd < dist[v]:
                    dist[v] = nd
                    if size == keys.shape[0]:
                        keys = _grow(keys)
                        vals = _grow(vals)
                    size = _heap_push(keys, vals, size, nd, v)
        counts[i] = count - start
        _finish_source(out_n, out_d, start, count, dist, sort_nodes)
    return counts, out_n, out_d, count


@njit(cache=True, nogil=True)
def _pairs_bucket_kernel(
    indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes, width, n_buckets
):  # pragma: no cover - compiled
    """:func:`_pairs_kernel` with a bucket queue instead of a heap (Dial's algorithm).

    Bucket ``b`` holds the labels ``d`` with ``floor(d / width) = b``. With ``width``
    at most half the shortest edge, relaxing an edge from a label of bucket ``b``
    always lands in a later bucket (``d + w >= d + 2 width``), so every label taken
    from the lowest non-empty bucket is final whatever the order within the bucket:
    the distances are those of Dijkstra's algorithm, bit for bit (the same sums
    ``d_u + w_uv`` are formed and the smallest kept). Pushes and pops cost O(1); the
    buckets are singly linked lists in flat arrays, ``n_buckets > radius / width``."""
    head = np.full(n_buckets, -1, dtype=np.int64)
    e_key = np.empty(4096, dtype=np.float64)
    e_node = np.empty(4096, dtype=np.int64)
    e_next = np.empty(4096, dtype=np.int64)
    out_n = np.empty(4096, dtype=np.int64)
    out_d = np.empty(4096, dtype=np.float64)
    counts = np.zeros(len(src_nodes), dtype=np.int64)
    count = 0
    inv = 1.0 / width
    for i in range(len(src_nodes)):
        r = radius[i]
        s = src_nodes[i]
        d0 = src_off[i]
        if not d0 <= r:
            continue
        dist[s] = d0
        b = np.int64(d0 * inv)
        last = np.int64(r * inv)
        e_key[0] = d0
        e_node[0] = s
        e_next[0] = -1
        head[b] = 0
        n_e = 1
        start = count
        while b <= last:
            p = head[b]
            if p < 0:
                b += 1
                continue
            head[b] = e_next[p]
            d = e_key[p]
            u = e_node[p]
            if d > dist[u]:
                continue  # stale entry
            if count == out_n.shape[0]:
                out_n = _grow(out_n)
                out_d = _grow(out_d)
            out_n[count] = u
            count += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + data[e]
                if nd <= r and nd < dist[v]:
                    dist[v] = nd
                    if n_e == e_key.shape[0]:
                        e_key = _grow(e_key)
                        e_node = _grow(e_node)
                        e_next = _grow(e_next)
                    # never an earlier bucket (cannot happen with width <= w_min / 2,
                    # but a label must never be lost)
                    nb = max(np.int64(nd * inv), b)
                    e_key[n_e] = nd
                    e_node[n_e] = v
                    e_next[n_e] = head[nb]
                    head[nb] = n_e
                    n_e += 1
        counts[i] = count - start
        _finish_source(out_n, out_d, start, count, dist, sort_nodes)
    return counts, out_n, out_d, count


# --------------------------------------------------------------------------------------
# Points joined to the network: searches from services, pairs with origins
# --------------------------------------------------------------------------------------
# A point joins the network through *seeds*: (node, cost) pairs, the cost of going from
# the point to the node (an origin's exits) or from the node to the point (a service's
# entries); and, when it snaps to a street, through an *attachment* (street, position,
# cost) that links it directly with the points on the same street. See
# buurtgeo._engines for how seeds and attachments are made.


@njit(cache=True, nogil=True)
def _seed_search_bucket(
    indptr, indices, data, s_node, s_cost, lo, hi, r, dist, settled, head, qk, qn, qx, width
):  # pragma: no cover - compiled
    """Dijkstra bounded by ``r`` from the seeds ``lo:hi`` with a bucket queue (Dial; see
    :func:`_pairs_bucket_kernel`: buckets of at most half the shortest edge, so every
    label taken from the lowest non-empty bucket is final). ``dist`` is all ``inf`` on
    entry; every node it sets is within ``r``, so settled: ``settled[:count]`` on return
    lists them (the caller resets them).
    Returns ``(count, settled, qk, qn, qx)`` (buffers grown as needed)."""
    inv = 1.0 / width
    n_e = 0
    b = np.int64(r * inv) + 1
    last = np.int64(r * inv)
    for p in range(lo, hi):
        d0 = s_cost[p]
        s = s_node[p]
        if d0 <= r and d0 < dist[s]:
            dist[s] = d0
            if n_e == qk.shape[0]:
                qk, qn, qx = _grow(qk), _grow(qn), _grow(qx)
            bb = np.int64(d0 * inv)
            qk[n_e], qn[n_e], qx[n_e] = d0, s, head[bb]
            head[bb] = n_e
            n_e += 1
            b = min(b, bb)
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
        if count == settled.shape[0]:
            settled = _grow(settled)
        settled[count] = u
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd <= r and nd < dist[v]:
                dist[v] = nd  # within r: it will be settled, so the caller resets it
                if n_e == qk.shape[0]:
                    qk, qn, qx = _grow(qk), _grow(qn), _grow(qx)
                nb = max(np.int64(nd * inv), b)
                qk[n_e], qn[n_e], qx[n_e] = nd, v, head[nb]
                head[nb] = n_e
                n_e += 1
    return count, settled, qk, qn, qx


@njit(cache=True, nogil=True)
def _seed_search_heap(
    indptr, indices, data, s_node, s_cost, lo, hi, r, dist, settled, qk, qn
):  # pragma: no cover - compiled
    """:func:`_seed_search_bucket` with a binary heap (lazy deletion), for networks whose
    shortest edge would need too many buckets. Returns ``(count, settled, qk, qn)``."""
    size = 0
    for p in range(lo, hi):
        d0 = s_cost[p]
        s = s_node[p]
        if d0 <= r and d0 < dist[s]:
            dist[s] = d0
            if size == qk.shape[0]:
                qk, qn = _grow(qk), _grow(qn)
            size = _heap_push(qk, qn, size, d0, s)
    count = 0
    while size > 0:
        d, u, size = _heap_pop(qk, qn, size)
        if d > dist[u]:
            continue
        if count == settled.shape[0]:
            settled = _grow(settled)
        settled[count] = u
        count += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd <= r and nd < dist[v]:
                dist[v] = nd
                if size == qk.shape[0]:
                    qk, qn = _grow(qk), _grow(qn)
                size = _heap_push(qk, qn, size, nd, v)
    return count, settled, qk, qn


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
    use_heap = width <= 0.0
    head = np.full(max(n_buckets, 1), -1, dtype=np.int64)
    qk = np.empty(1024, dtype=np.float64)
    qn = np.empty(1024, dtype=np.int64)
    qx = np.empty(1024, dtype=np.int64)
    settled = np.empty(1024, dtype=np.int64)
    touched = np.empty(1024, dtype=np.int64)
    out_o = np.empty(4096, dtype=np.int64)
    out_d = np.empty(4096, dtype=np.float64)
    counts = np.zeros(sources.shape[0], dtype=np.int64)
    m = 0
    for q in range(sources.shape[0]):
        j = sources[q]
        r = radius[q]
        if use_heap:
            count, settled, qk, qn = _seed_search_heap(
                indptr,
                indices,
                data,
                s_node,
                s_cost,
                s_ptr[j],
                s_ptr[j + 1],
                r,
                dist,
                settled,
                qk,
                qn,
            )
        else:
            count, settled, qk, qn, qx = _seed_search_bucket(
                indptr,
                indices,
                data,
                s_node,
                s_cost,
                s_ptr[j],
                s_ptr[j + 1],
                r,
                dist,
                settled,
                head,
                qk,
                qn,
                qx,
                width,
            )
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
                    if n_t == touched.shape[0]:
                        touched = _grow(touched)
                    touched[n_t] = o
                    n_t += 1
                if d < od[o]:
                    od[o] = d
        for a in range(a_ptr[j], a_ptr[j + 1]):  # origins on one of the service's streets
            e = a_street[a]
            for p in range(at_start[e], at_start[e + 1]):
                d = at_cost[p] + _street_gap(at_pos[p], a_pos[a], fwd[e], bwd[e]) + a_cost[a]
                if d > r:
                    continue
                o = at_origin[p]
                if od[o] == np.inf:
                    if n_t == touched.shape[0]:
                        touched = _grow(touched)
                    touched[n_t] = o
                    n_t += 1
                if d < od[o]:
                    od[o] = d
        for t in range(count):  # reset the node workspace
            dist[settled[t]] = np.inf
        while m + n_t > out_o.shape[0]:
            out_o, out_d = _grow(out_o), _grow(out_d)
        for t in range(n_t):
            o = touched[t]
            out_o[m + t] = o
            out_d[m + t] = od[o]
            od[o] = np.inf
        counts[q] = n_t
        m += n_t
    return counts, out_o, out_d, m


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
