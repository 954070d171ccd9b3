using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Starts, watches and kills one worker process (the Executor half; <see cref="WorkerConnection"/> talks to it).
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ILogger _log;
    private readonly Queue<string> _recentErrors = new();
    private volatile bool _silenced;
    private int _disposed;

    private WorkerProcess(Process process, uint workerId, ILogger log, long startedTimestamp)
    {
        _process = process;
        WorkerId = workerId;
        _log = log;
        StartedTimestamp = startedTimestamp;
        Exited = process.WaitForExitAsync();
    }

    public uint WorkerId { get; }

    public int ProcessId => _process.Id;

    /// <summary>Stopwatch timestamp taken just before the process was started.</summary>
    public long StartedTimestamp { get; }

    /// <summary>Completes when the process exits.</summary>
    public Task Exited { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the worker wrote to stderr, for error messages.</summary>
    public string RecentErrors
    {
        get
        {
            lock (_recentErrors)
            {
                return string.Join(" | ", _recentErrors);
            }
        }
    }

    /// <summary>The command line, without a shell: arguments only, the secret goes to stdin.</summary>
    public static ProcessStartInfo CreateStartInfo(string workerPath, string pipePath, uint workerId) =>
        CreateStartInfo(workerPath, ["--pipe", pipePath], workerId);

    /// <summary>
    /// The command line with <paramref name="connect"/> saying where to connect (<c>--pipe PATH</c>, or
    /// <c>--connect tcp://HOST:PORT</c> for a cluster node's worker).
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(string workerPath, IReadOnlyList<string> connect, uint workerId)
    {
        var info = new ProcessStartInfo(workerPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string argument in connect)
        {
            info.ArgumentList.Add(argument);
        }
        info.ArgumentList.Add("--id");
        info.ArgumentList.Add(workerId.ToString(CultureInfo.InvariantCulture));
        // The worker dies with this process (PR_SET_PDEATHSIG) and exits at once if it is already gone.
        info.ArgumentList.Add("--parent");
        info.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return info;
    }

    /// <summary>Starts a worker from the <see cref="SpawnThread"/> and hands it the secret on stdin.</summary>
    /// <exception cref="WorkerFailedException">The executable cannot be started.</exception>
    public static Task<WorkerProcess> StartAsync(string workerPath, string pipePath, uint workerId, byte[] secret, ILogger log, IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(workerPath, ["--pipe", pipePath], workerId, secret, log, environment);

    /// <summary>Starts a worker that connects as <paramref name="connect"/> says, from the <see cref="SpawnThread"/>.</summary>
    /// <exception cref="WorkerFailedException">The executable cannot be started.</exception>
    public static Task<WorkerProcess> StartAsync(string workerPath, IReadOnlyList<string> connect, uint workerId, byte[] secret, ILogger log, IReadOnlyDictionary<string, string>? environment = null) =>
        SpawnThread.RunAsync(() => Start(workerPath, connect, workerId, secret, log, environment));

    /// <summary>Starts a worker on the calling thread and hands it the secret on stdin (tests; see <c>StartAsync</c>).</summary>
    /// <exception cref="WorkerFailedException">The executable cannot be started.</exception>
    public static WorkerProcess Start(string workerPath, string pipePath, uint workerId, byte[] secret, ILogger log, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(workerPath, ["--pipe", pipePath], workerId, secret, log, environment);

    private static WorkerProcess Start(string workerPath, IReadOnlyList<string> connect, uint workerId, byte[] secret, ILogger log, IReadOnlyDictionary<string, string>? environment)
    {
        var info = CreateStartInfo(workerPath, connect, workerId);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        log.WorkerCommandLine(workerId, info.FileName, string.Join(' ', info.ArgumentList), info.WorkingDirectory);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        long started = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new WorkerFailedException($"cannot start the worker '{workerPath}': {e.Message}", e);
        }
        ChildProcessTracker.Add(process);

        var worker = new WorkerProcess(process, workerId, log, started);
        process.ErrorDataReceived += worker.OnErrorLine;
        process.OutputDataReceived += worker.OnOutputLine;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            process.StandardInput.WriteLine(Convert.ToHexString(secret));
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The worker died before reading its secret; Exited and its stderr will say why.
        }
        return worker;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a voluntary exit, then kills the process tree.</summary>
    /// <returns>True when the worker exited on its own.</returns>
    public async Task<bool> WaitOrKillAsync(TimeSpan timeout)
    {
        if (IsStopped)
        {
            // SIGSTOPped: it cannot exit on its own, so waiting for it would only delay the command's end.
            ChildProcessTracker.Kill(_process);
            await Exited;
            return false;
        }
        try
        {
            await Exited.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            _log.WorkerKilled(WorkerId, $"still running {timeout.TotalMilliseconds:0} ms after shutdown");
            ChildProcessTracker.Kill(_process);
            await Exited;
            return false;
        }
    }

    public void Kill() => ChildProcessTracker.Kill(_process);

    /// <summary>Whether the process is stopped (SIGSTOP, or a debugger): state T or t in /proc/PID/stat.</summary>
    private bool IsStopped
    {
        get
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{ProcessId}/stat");
                char state = stat[(stat.LastIndexOf(')') + 2)..][0];
                return state is 'T' or 't';
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or InvalidOperationException)
            {
                return false; // gone already, or not readable: waiting decides
            }
        }
    }

    /// <summary>
    /// Stops relaying what the worker writes from now on (it is still kept for <see cref="RecentErrors"/>): a worker
    /// being stopped on purpose has nothing left to tell the user, and its complaints about the closed socket would
    /// read like faults.
    /// </summary>
    public void Silence() => _silenced = true;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Silence();
        ChildProcessTracker.Kill(_process);
        if (_process.HasExited || _process.WaitForExit(2000))
        {
            // Let the async readers drain the last lines before the process object goes away.
            _process.WaitForExit();
        }
        ChildProcessTracker.Remove(_process);
        _process.Dispose();
    }

    private void OnErrorLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }
        lock (_recentErrors)
        {
            _recentErrors.Enqueue(e.Data);
            if (_recentErrors.Count > 5)
            {
                _recentErrors.Dequeue();
            }
        }
        if (!_silenced)
        {
            _log.WorkerOutput(WorkerId, e.Data);
        }
    }

    private void OnOutputLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null && !_silenced)
        {
            _log.WorkerOutput(WorkerId, e.Data);
        }
    }
}
