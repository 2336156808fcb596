"""SiLA 2 control interface of the simulated chip (SPEC §2 control interface, §6 device control).

Layer ``sila``: composes :mod:`chipdx.sim` (the chip, protocols, execution) and :mod:`chipdx.io`
(writing RDML, QuantStudio text, run logs); only :mod:`chipdx.cli` imports it. Needs the
``sila`` extra (``pip install 'chipdx[sila]'``: ``sila2`` with ``cryptography``). Features:
``ChipController`` (load a chip, dispense, move, read capacitance, chip state),
``ProtocolRunner`` (observable ``RunProtocol`` with progress and intermediate responses) and
``SimulationController`` (always in simulation mode); every output is flagged simulated.
See ``docs/sila.md``.
"""

from chipdx.sila.server import SERVER_TYPE, ServerError, Started, build_server, start_server

__all__ = ["SERVER_TYPE", "ServerError", "Started", "build_server", "start_server"]
