using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// The worker processes of one node (<c>processfarm node</c>), for every run that asks for them. Each is an ordinary
/// <c>processfarm-worker --connect tcp://HOST:PORT --parent NODE</c>: it dies with the node (PR_SET_PDEATHSIG) and
/// exits the moment its coordinator's connection closes, so neither a dead node nor a dead coordinator leaves one
/// behind. With --tls on the coordinator, the request carries the certificate hash the worker pins (<c>--tls-pin</c>).
/// </summary>
internal sealed class NodeWorkers(string workerPath, int slots, string address, ILogger log) : IDisposable
{
    private readonly ConcurrentDictionary<(string RunId, uint WorkerId), WorkerProcess> _running = new();
    private readonly ConcurrentDictionary<LutParameters, LookupTable> _tables = new();
    private long _started;
    private int _disposed;

    /// <summary>Workers this node runs at once, for every run together: 4 per slot, at least 16.</summary>
    public int MaxRunning => Math.Max(16, 4 * slots);

    /// <summary>The address the node advertises (its raw echo listens there).</summary>
    public string Address => address;

    /// <summary>Starts one worker; returns its process id.</summary>
    /// <exception cref="WorkerFailedException">The worker executable cannot be started.</exception>
    public async Task<int> StartAsync(WorkerStartRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_running.Count >= MaxRunning)
        {
            // Runs replace dead workers and several coordinators may share a node, but not without bound: a caller
            // that keeps asking (a broken or hostile member of the cluster) must not fill the machine with processes.
            throw new WorkerFailedException(request.WorkerId, $"refused: node {Describe().Name} runs {MaxRunning} workers already ({slots} slots)");
        }
        string[] arguments = request.TlsPin is { } pin
            ? ["--connect", "tcp://" + request.Endpoint, "--tls-pin", pin]
            : ["--connect", "tcp://" + request.Endpoint];
        var process = await WorkerProcess.StartAsync(workerPath, arguments, request.WorkerId, request.Secret, log).ConfigureAwait(false);
        Interlocked.Increment(ref _started);
        var key = (request.RunId, request.WorkerId);
        if (_running.TryRemove(key, out var previous))
        {
            previous.Dispose();
        }
        _running[key] = process;
        _ = process.Exited.ContinueWith(_ => Forget(key, process), TaskScheduler.Default);
        return process.ProcessId;
    }

    public void Kill(string runId, uint workerId)
    {
        if (_running.TryGetValue((runId, workerId), out var process))
        {
            process.Kill();
        }
    }

    public void StopRun(string runId)
    {
        foreach (var (key, process) in _running)
        {
            if (key.RunId == runId)
            {
                process.Kill();
            }
        }
    }

    public NodeStatus Describe() => new(
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}"),
        address,
        slots,
        _running.Count,
        Interlocked.Read(ref _started));

    /// <summary>Tables kept at most: a node outlives many runs, each (or any caller) with its own ev and gamma.</summary>
    public const int MaxCachedTables = 16;

    /// <summary>Tables kept now.</summary>
    public int CachedTables => _tables.Count;

    /// <summary>The table for <paramref name="parameters"/>, built once while it stays among the last <see cref="MaxCachedTables"/> (the rpc transport's tiles).</summary>
    public LookupTable Lut(LutParameters parameters)
    {
        if (_tables.TryGetValue(parameters, out var table))
        {
            return table;
        }
        if (_tables.Count >= MaxCachedTables)
        {
            _tables.Clear(); // a run's calls rebuild theirs once; a call holding a table it got keeps using it
        }
        return _tables.GetOrAdd(parameters, static p => LookupTable.Create(p));
    }

    private void Forget((string, uint) key, WorkerProcess process)
    {
        if (_running.TryRemove(new KeyValuePair<(string, uint), WorkerProcess>(key, process)))
        {
            process.Dispose();
        }
    }

    /// <summary>Kills every worker still running (the node is stopping).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var process in _running.Values)
        {
            process.Dispose();
        }
        _running.Clear();
    }
}
