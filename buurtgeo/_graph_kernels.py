"""Compiled graph kernels (numba, cached on disk) over a network's CSR arrays.

The searches behind :class:`buurtgeo.network.Network`, each over ``indptr``,
``indices`` and ``data`` (edge lengths, metres):

* a binary min-heap (``_heap_push``, ``_heap_pop``);
* ``_multi_source_kernel``: multi-source Dijkstra, the distance from every node to
  its closest source (:meth:`Network.nearest`);
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
