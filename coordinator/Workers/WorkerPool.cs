using System.Diagnostics;
using System.IO.Pipes;
using System.Security.Cryptography;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// N worker processes, each connected and handshaken. Start spawns them in parallel, accepts their pipes,
/// checks each Hello (version, secret, worker id, process id) and refuses anything else; Dispose shuts them
/// down, waits a bounded time and kills what is left.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private readonly List<WorkerConnection> _workers;
    private readonly WorkerPoolOptions _options;
    private readonly CoordinatorLog _log;
    private readonly string _workerPath;
    private readonly byte[] _secret;
    private uint _nextWorkerId;
    private int _disposed;

    private WorkerPool(List<WorkerConnection> workers, WorkerPoolOptions options, CoordinatorLog log, string workerPath, byte[] secret, double startupMs)
    {
        _workers = workers;
        _options = options;
        _log = log;
        _workerPath = workerPath;
        _secret = secret;
        _nextWorkerId = (uint)workers.Count;
        StartupMs = startupMs;
    }

    /// <summary>The live workers, ordered by id; replacements take the place of the worker they replace.</summary>
    public IReadOnlyList<WorkerConnection> Workers
    {
        get
        {
            lock (_workers)
            {
                return [.. _workers];
            }
        }
    }

    /// <summary>From the first spawn to the last Welcome.</summary>
    public double StartupMs { get; }

    /// <summary>Workers started to replace ones that died or hung.</summary>
    public int Replacements { get; private set; }

    /// <summary>Starts <paramref name="count"/> workers and completes their handshakes.</summary>
    /// <exception cref="Cli.CommandLineException">The worker binary is missing, or a worker failed to start or connect.</exception>
    public static async Task<WorkerPool> StartAsync(int count, WorkerPoolOptions options, CoordinatorLog log, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        string workerPath = WorkerLocator.Find(options.WorkerPath, out var searched)
            ?? throw Cli.CommandLineException.Environment(
                $"worker executable not found (looked for {string.Join(", ", searched)}); build it with 'dotnet build -c Release' or pass --worker-path");

        PipeListener.SweepStale(options.PipeParentDirectory);
        byte[] secret = options.Secret ?? RandomNumberGenerator.GetBytes(ProtocolLimits.SecretBytes);
        long started = Stopwatch.GetTimestamp();
        var workers = await LaunchAsync(0, count, workerPath, secret, options, log, cancellationToken);
        return new WorkerPool(workers, options, log, workerPath, secret, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// Starts a new worker in place of <paramref name="failed"/>, which is killed and disposed. The newcomer gets
    /// a fresh id and its own short-lived listener; the caller routes its replies and gives it work.
    /// </summary>
    /// <exception cref="Cli.CommandLineException">The replacement could not be started.</exception>
    public async Task<WorkerConnection> ReplaceAsync(WorkerConnection failed, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        uint id;
        lock (_workers)
        {
            id = _nextWorkerId++;
        }
        failed.Process?.Kill();
        var replacement = (await LaunchAsync(id, 1, _workerPath, _secret, _options, _log, cancellationToken))[0];
        lock (_workers)
        {
            int index = _workers.IndexOf(failed);
            if (index >= 0)
            {
                _workers[index] = replacement;
            }
            else
            {
                _workers.Add(replacement);
            }
            Replacements++;
        }
        _log.WorkerReplaced(failed.WorkerId, replacement.WorkerId);
        await failed.DisposeAsync();
        failed.Process?.Dispose();
        return replacement;
    }

    /// <summary>Spawns workers <paramref name="firstId"/>.. in parallel behind a fresh listener and handshakes them.</summary>
    private static async Task<List<WorkerConnection>> LaunchAsync(uint firstId, int count, string workerPath, byte[] secret, WorkerPoolOptions options, CoordinatorLog log, CancellationToken cancellationToken)
    {
        using var listener = PipeListener.Create(options.PipeParentDirectory);
        var processes = new Dictionary<uint, WorkerProcess>();
        var ready = new List<WorkerConnection>();
        var accepts = new List<Task<WorkerConnection?>>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ReadyTimeout);
        try
        {
            for (int i = 0; i < count; i++)
            {
                accepts.Add(AcceptAsync(listener.CreateServer(), secret, processes, log, timeout.Token));
            }
            options.OnListening?.Invoke(listener.PipePath);
            for (uint id = firstId; id < firstId + count; id++)
            {
                var process = WorkerProcess.Start(workerPath, listener.PipePath, id, secret, log, options.Environment);
                lock (processes)
                {
                    processes[id] = process;
                }
            }

            int refusals = 0;
            while (ready.Count < count)
            {
                var exited = processes.Values.Where(p => !ready.Any(c => c.Process == p)).Select(p => p.Exited);
                var finished = await Task.WhenAny(accepts.Cast<Task>().Concat(exited));
                var early = processes.Values.FirstOrDefault(p => p.HasExited && !ready.Any(c => c.Process == p));
                if (early is not null)
                {
                    throw Cli.CommandLineException.Environment(
                        $"worker {early.WorkerId} exited with code {early.ExitCode} before it was ready{Explain(early)}");
                }
                if (finished is not Task<WorkerConnection?> accept)
                {
                    continue;
                }
                accepts.Remove(accept);
                var connection = await accept; // cancellation or timeout surfaces here
                if (connection is not null)
                {
                    connection.ReadyMs = Stopwatch.GetElapsedTime(connection.Process!.StartedTimestamp).TotalMilliseconds;
                    log.WorkerReady(connection.WorkerId, connection.Hello!.ProcessId, connection.Hello.Kernel, connection.ReadyMs);
                    ready.Add(connection);
                }
                else if (++refusals > 4 * count)
                {
                    throw Cli.CommandLineException.Environment("too many refused connections on the worker pipe; is something else connecting to it?");
                }
                else
                {
                    accepts.Add(AcceptAsync(listener.CreateServer(), secret, processes, log, timeout.Token));
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeAllAsync(ready, processes.Values, accepts);
            throw Cli.CommandLineException.Environment(
                $"{count - ready.Count} of {count} workers did not connect within {options.ReadyTimeout.TotalSeconds:0} s");
        }
        catch
        {
            await DisposeAllAsync(ready, processes.Values, accepts);
            throw;
        }
        finally
        {
            // Nothing of the pool remains on disk once it is complete (or failed).
            listener.Unlink();
        }

        ready.Sort((a, b) => a.WorkerId.CompareTo(b.WorkerId));
        return ready;
    }

    private static async Task<WorkerConnection?> AcceptAsync(NamedPipeServerStream server, byte[] secret, Dictionary<uint, WorkerProcess> processes, CoordinatorLog log, CancellationToken cancellationToken)
    {
        try
        {
            await server.WaitForConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.ClientRefused(e.Message);
            await server.DisposeAsync();
            return null;
        }

        var connection = new WorkerConnection(server, log);
        try
        {
            var hello = await connection.ReadHelloAsync(cancellationToken);
            var refusal = Validate(hello, secret, processes);
            if (refusal is not null)
            {
                log.ClientRefused(refusal.Message);
                await connection.SendErrorAsync(refusal, cancellationToken);
                await connection.DisposeAsync();
                return null;
            }
            connection.Process = processes[hello.WorkerId];
            connection.Start(new IdleReplyHandler(log)); // before the Welcome: whatever the worker sends next has a taker
            await connection.SendWelcomeAsync(cancellationToken);
            return connection;
        }
        catch (Exception e) when (e is ProtocolException or IOException)
        {
            log.ClientRefused(e.Message);
            await connection.DisposeAsync();
            return null;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Why a Hello is refused, or null when it is one of our workers.</summary>
    internal static ErrorMessage? Validate(HelloMessage hello, byte[] secret, IReadOnlyDictionary<uint, WorkerProcess> processes)
    {
        if (hello.Version != ProtocolLimits.Version)
        {
            return new ErrorMessage(null, ErrorCode.UnsupportedVersion, $"this coordinator speaks protocol {ProtocolLimits.Version}, not {hello.Version}");
        }
        if (!CryptographicOperations.FixedTimeEquals(hello.Secret, secret))
        {
            return new ErrorMessage(null, ErrorCode.BadSecret, "the secret does not match this run's");
        }
        lock (processes)
        {
            if (!processes.TryGetValue(hello.WorkerId, out var process) || process.ProcessId != hello.ProcessId)
            {
                return new ErrorMessage(null, ErrorCode.BadSecret, $"no worker {hello.WorkerId} with process id {hello.ProcessId} was started by this coordinator");
            }
        }
        return null;
    }

    private static string Explain(WorkerProcess process)
    {
        string errors = process.RecentErrors;
        return errors.Length == 0 ? string.Empty : $": {errors}";
    }

    private static async Task DisposeAllAsync(List<WorkerConnection> ready, IEnumerable<WorkerProcess> processes, List<Task<WorkerConnection?>> accepts)
    {
        foreach (var connection in ready)
        {
            await connection.DisposeAsync();
        }
        foreach (var process in processes)
        {
            process.Dispose();
        }
        foreach (var accept in accepts)
        {
            try
            {
                var late = await accept.WaitAsync(TimeSpan.FromSeconds(1));
                if (late is not null)
                {
                    await late.DisposeAsync();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException or ProtocolException)
            {
                // The start-up failed already; these accepts only need to stop.
            }
        }
    }

    /// <summary>Sends Shutdown to every worker, waits for them to exit, kills stragglers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        var workers = Workers;
        await Task.WhenAll(workers.Select(w => w.SendShutdownAsync()));
        await Task.WhenAll(workers.Select(w => w.Process!.WaitOrKillAsync(_options.ExitTimeout)));
        foreach (var worker in workers)
        {
            await worker.DisposeAsync();
            worker.Process!.Dispose();
        }
    }
}
