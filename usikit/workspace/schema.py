"""Every module that declares workspace tables, imported so `metadata` knows them all."""

from usikit.registry import offline_tables
from usikit.workspace import register_tables, tables

TABLE_MODULES = (tables, register_tables, offline_tables)
