# Windows (PowerShell): what scripts/setup.sh does on Linux — a virtual environment in .venv
# and the project with its pinned dependencies. Safe to run again. Needs Python 3.11 or newer
# (python.org installer with "Add python.exe to PATH", or: winget install Python.Python.3.12).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

if (-not (Test-Path ".venv\Scripts\python.exe")) {
    if ($env:PYTHON) { $py = @($env:PYTHON) }
    elseif (Get-Command py -ErrorAction SilentlyContinue) { $py = @("py", "-3") }
    else { $py = @("python") }
    $pyArgs = @($py | Select-Object -Skip 1)
    & $py[0] @pyArgs -c "import sys; sys.exit(sys.version_info < (3, 11))"
    if ($LASTEXITCODE -ne 0) {
        Write-Error "需要 Python 3.11 或更新版本：从 python.org 安装（勾选 Add python.exe to PATH），或 winget install Python.Python.3.12"
        exit 2
    }
    & $py[0] @pyArgs -m venv .venv
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
$stamp = ".venv\.installed"
if (-not (Test-Path $stamp) -or (Get-Item "pyproject.toml").LastWriteTime -gt (Get-Item $stamp).LastWriteTime) {
    & .venv\Scripts\python.exe -m pip install -q --upgrade pip
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    & .venv\Scripts\python.exe -m pip install -q -e ".[dev]"
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    New-Item -ItemType File -Force $stamp | Out-Null
}
