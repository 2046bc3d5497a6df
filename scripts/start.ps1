# Windows (PowerShell): set up (first time only) and start 招商 CRM, as scripts/start.sh does.
# Options go to main.py:  powershell -ExecutionPolicy Bypass -File scripts\start.ps1 --demo
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
& (Join-Path $PSScriptRoot "setup.ps1")
if ($LASTEXITCODE) { exit $LASTEXITCODE }
& .venv\Scripts\python.exe main.py @args
exit $LASTEXITCODE
