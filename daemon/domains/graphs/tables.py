"""Graphs: versioned agent graphs, their nodes and the links between them, and the owner's
library entry (where a graph's settings live)."""

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

from daemon.storage.metadata import Name, Timestamp, metadata

# One row per version: (id, version) is the key, as the seed's graphVersionId
graphs = Table(
    "graphs", metadata,
    Column("id", Name, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("name", Text, nullable=True),
    Column("description", Text, nullable=True),
    Column("instructions", Text, nullable=True),
    Column("recommended_schedule_cron", Text, nullable=True),
    Column("forked_from_id", Name, nullable=True),
    Column("forked_from_version", Integer, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=True),
    Index("ix_graphs_user_id_id_version", "user_id", "id", "version"),
    Index("ix_graphs_forked_from", "forked_from_id", "forked_from_version"),
)

# Node ids are unique across every graph and version (API.md): a node belongs to one version
graph_nodes = Table(
    "graph_nodes", metadata,
    Column("id", Name, primary_key=True),
    Column("graph_id", Name, nullable=False),
    Column("graph_version", Integer, nullable=False),
    Column("block_id", Name, nullable=False),
    Column("input_default", Text, nullable=False),  # JSON object
    Column("metadata", Text, nullable=False),  # JSON object
    Column("webhook_id", Name, nullable=True),
    # its place in the version's node list, as create_graph was given it (ids say nothing of order)
    Column("position", Integer, nullable=False, server_default="0"),
    ForeignKeyConstraint(["graph_id", "graph_version"], ["graphs.id", "graphs.version"],
                         name="fk_graph_nodes_graph"),
    Index("ix_graph_nodes_graph", "graph_id", "graph_version"),
    Index("ix_graph_nodes_block_id", "block_id"),
)

graph_links = Table(
    "graph_links", metadata,
    Column("id", Name, primary_key=True),
    Column("source_id", Name, ForeignKey("graph_nodes.id"), nullable=False),
    Column("sink_id", Name, ForeignKey("graph_nodes.id"), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("sink_name", Text, nullable=False),
    Column("is_static", Boolean, nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),  # its place in the graph's link list
    Index("ix_graph_links_source_id", "source_id"),
    Index("ix_graph_links_sink_id", "sink_id"),
)

# A user's library entry for a graph (one per user and graph: see docs/LIBRARY.md): the owner's
# at its newest version, or a store agent the user added; its settings are GraphSettings.
library_agents = Table(
    "library_agents", metadata,
    Column("id", Name, primary_key=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("graph_id", Name, nullable=False),
    Column("graph_version", Integer, nullable=False),
    Column("settings", Text, nullable=False),  # JSON object
    Column("is_deleted", Boolean, nullable=False),
    Column("is_archived", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    # revision 0007, for the library domain: the seed's LibraryAgent fields a method reads
    Column("image_url", Text, nullable=True),
    Column("is_favorite", Boolean, nullable=False, server_default=false()),
    Column("is_created_by_user", Boolean, nullable=False, server_default=true()),  # false: added from the store
    UniqueConstraint("user_id", "graph_id", name="uq_library_agents_user_graph"),
)

# The three block ids that mean something here (API.md "Block ids")
AGENT_INPUT_BLOCK = "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b"
AGENT_OUTPUT_BLOCK = "363ae599-353e-4804-937e-b2ee3cef3da4"
AGENT_EXECUTOR_BLOCK = "e189baac-8c20-45a1-94a7-55177ea42565"

