# Windows (PowerShell): set up (first time only), then every check, as scripts/test.sh does:
# ruff, mypy, the import contract, pytest (options go to pytest).
#   powershell -ExecutionPolicy Bypass -File scripts\test.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
& (Join-Path $PSScriptRoot "setup.ps1")
if ($LASTEXITCODE) { exit $LASTEXITCODE }
if (-not $env:QT_QPA_PLATFORM) { $env:QT_QPA_PLATFORM = "offscreen" }
& .venv\Scripts\ruff.exe check .
if ($LASTEXITCODE) { exit $LASTEXITCODE }
& .venv\Scripts\mypy.exe
if ($LASTEXITCODE) { exit $LASTEXITCODE }
& .venv\Scripts\lint-imports.exe
if ($LASTEXITCODE) { exit $LASTEXITCODE }
$workers = if ($env:CRM_TEST_WORKERS) { $env:CRM_TEST_WORKERS } else { "2" }
& .venv\Scripts\python.exe -m pytest -q -p no:cacheprovider -n $workers @args
exit $LASTEXITCODE
