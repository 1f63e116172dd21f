"""What every stage shares: the failure types (:mod:`.errors`), the records that flow from ingest into the
store and from the store into a sync, and the order and line states (:mod:`.records`). Imports nothing else of
ordersync."""
