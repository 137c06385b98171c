"""planbot core: the plan, storage, configuration, i18n and the channel adapters."""

__version__ = "0.1.0"
