"""Loaders: read files as their publishers ship them and return canonical tables.

One module per source family: :mod:`~buurtgeo.io.sectors` (Statbel statistical
sectors), :mod:`~buurtgeo.io.population` (population per sector, age bands),
:mod:`~buurtgeo.io.services` (service locations: CSV/Excel/GeoJSON/OpenDataSoft),
:mod:`~buurtgeo.io.osm` (services from OpenStreetMap), :mod:`~buurtgeo.io.network`
(walking/cycling networks), :mod:`~buurtgeo.io.areas` (dicht-bij-huis areas),
:mod:`~buurtgeo.io.addresses` (BeST, Adressenregister, CRAB address points),
:mod:`~buurtgeo.io.published` (Opgroeien's municipal places workbooks) and
:mod:`~buurtgeo.io.download` (opt-in downloads with a cache).

Every loader returns its result with ``attrs["set_aside"]``: the rows it could not use,
each with a reason, so that ``len(result) + len(set_aside) == rows read``.
"""
