"""Greengrass packaging, on a laptop: building components and running them as a nucleus would.

- ``gdk_project``: a component folder as the Greengrass Development Kit (GDK) reads it;
- ``recipes`` and ``schemas``: recipe files, and the GDK schemas they must satisfy;
- ``zip_build`` and ``build``: ``seesay build``, GDK's greengrass-build/ output without GDK;
- ``deployment``: the fleet deployment template rendered for AWS and for one device;
- ``interpolation``, ``component_store`` and ``lifecycle``: ``seesay run-component``,
  a built recipe's Install and Run steps executed the way the nucleus executes them;
- ``access_control``: which IPC topics a recipe's accessControl allows.

Nothing here is shipped to a device; the component zips exclude this package.
"""
