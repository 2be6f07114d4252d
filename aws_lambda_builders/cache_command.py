"""``lambda-pip cache info|prune|verify``: what the build cache holds, pruned or verified, for a person or as JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Dict, List, TextIO

from aws_lambda_builders.exit_codes import EXIT_MISSING, EXIT_OK
from aws_lambda_builders.workflows.python_pip.cache import BuildCache, CacheContents, default_cache_dir
from aws_lambda_builders.workflows.python_pip.units import format_size

if TYPE_CHECKING:
    from aws_lambda_builders.workflows.python_pip.cache_verify import CacheVerification


def cache_command(args: argparse.Namespace, out: TextIO) -> int:
    """``info``, ``prune`` or ``verify`` of the build cache, the result on ``out``; builds running meanwhile
    go on (see ``BuildCache.prune`` and ``BuildCache.verify``)."""
    built_cache = BuildCache(args.cache_dir or default_cache_dir())
    lines: List[str] = []
    result: Dict[str, object] = {"cache_dir": built_cache.root}
    code = EXIT_OK
    if args.action == "verify":
        verification = built_cache.verify()
        result.update(_sizes_in_bytes(verification.to_dict()))
        lines += _verification_lines(verification)
        code = EXIT_OK if verification.sound else EXIT_MISSING
    if args.action == "prune":
        removed = built_cache.prune(args.older_than * 86400)
        result["removed"] = _contents_dict(removed)
        lines.append(f"removed {_entries_text(removed)} unused for {args.older_than:g} days "
                     f"({format_size(removed.size)})")
    held = built_cache.contents()
    result["holds"] = _contents_dict(held)
    lines.append(f"{built_cache.root}: {_entries_text(held)}, {format_size(held.size)}")
    if args.json:
        print(json.dumps(result, indent=2), file=out)
    else:
        print("\n".join(lines), file=out)
    return code


def _contents_dict(contents: CacheContents) -> Dict[str, object]:
    """Cache contents for JSON: the counts, and the size as ``size_bytes``."""
    return _sizes_in_bytes(contents._asdict())


def _sizes_in_bytes(document: Dict[str, object]) -> Dict[str, object]:
    """``document`` with every ``size`` (of the cache's records, in bytes) named ``size_bytes``, at any depth."""
    def renamed(value: object) -> object:
        if isinstance(value, dict):
            return {("size_bytes" if key == "size" else key): renamed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [renamed(item) for item in value]
        return value

    return renamed(document)  # type: ignore[return-value]


def _verification_lines(verification: "CacheVerification") -> List[str]:
    checked = verification.checked
    lines = [f"checked {_entries_text(checked)}: {verification.files} files, {format_size(checked.size)} read"]
    kinds = {"tree": "unpacked wheel", "built": "wheel built from an sdist", "build": "build record"}
    for entry in verification.damaged:
        named = f"{entry.wheel} ({entry.name[:12]})" if entry.wheel else entry.name[:12]
        lines.append(f"damaged, removed: {kinds[entry.kind]} {named}")
        lines += [f"  {problem}" for problem in entry.problems[:10]]
        if len(entry.problems) > 10:
            lines.append(f"  and {len(entry.problems) - 10} more")
    if any(entry.kind == "tree" for entry in verification.damaged):
        lines.append("bundles placed by link from a damaged unpacked wheel hold its damaged files: build them again")
    lines.append("the cache is sound" if verification.sound else
                 f"removed {_entries_text(verification.removed)}, damaged ({format_size(verification.removed.size)}); "
                 "builds make them again as they need them")
    return lines


def _entries_text(contents: CacheContents) -> str:
    return (f"{contents.builds} build(s), {contents.trees} unpacked wheel(s) and "
            f"{contents.built} wheel(s) built from sdists")
