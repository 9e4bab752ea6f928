"""``evomod presets``: list the built-in configs, or print one as commented TOML."""

from __future__ import annotations


def add_parser(sub) -> None:
    pr = sub.add_parser("presets", help="list the built-in configs, or print one as TOML")
    pr.add_argument("name", nargs="?")
    pr.set_defaults(func=command)


def command(args) -> int:
    from evomod import config as _config

    if args.name is None:
        names = _config.preset_names()
        width = max(map(len, names))
        for name, desc in names.items():
            print(f"{name:<{width}}  {desc}")
        print("\nPrint one as TOML with `evomod presets NAME`; run it with `evomod run NAME`.")
        return 0
    cfg = _config.load(args.name)
    print(_config.to_toml(cfg, title=f"evomod preset {args.name}: copy, edit, then `evomod run FILE.toml`"),
          end="")
    return 0
