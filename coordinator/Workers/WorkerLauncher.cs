using System.Diagnostics;
using System.IO.Pipes;
using Microsoft.Extensions.Logging;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Starts one worker behind a listener of its own and completes its handshake: spawn, accept, Hello, Welcome.
/// Each accepted connection gets its own short Hello deadline, so a client that connects and says nothing
/// cannot hold the worker up; a worker that exits before it is ready fails the launch at once.
/// </summary>
internal static class WorkerLauncher
{
    /// <summary>Refused connections tolerated per launch before it gives up (something keeps connecting).</summary>
    public const int MaxRefusals = 8;

    /// <summary>
    /// Spawns worker <paramref name="workerId"/> and returns its connection once welcomed, with
    /// <paramref name="handler"/> taking its replies (set before the Welcome, so every frame has a taker).
    /// </summary>
    /// <exception cref="WorkerFailedException">
    /// The worker could not be started, exited before it was ready, or did not connect within
    /// <see cref="SupervisorOptions.ReadyTimeout"/>; the message names the worker and says why.
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled; the worker is killed.</exception>
    public static async Task<WorkerConnection> LaunchAsync(uint workerId, string workerPath, byte[] secret, SupervisorOptions options, IReplyHandler handler, ILogger log, CancellationToken cancellationToken)
    {
        using var listener = PipeListener.Create(options.PipeParentDirectory);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ReadyTimeout);
        var accepted = new Accepting(listener, secret, workerId, options, log, deadline.Token);
        WorkerProcess? process = null;
        Task? acceptLoop = null;
        try
        {
            acceptLoop = accepted.RunAsync(); // creates the socket before its first wait
            options.OnListening?.Invoke(listener.PipePath);
            try
            {
                process = await WorkerProcess.StartAsync(workerPath, listener.PipePath, workerId, secret, log, options.Environment).ConfigureAwait(false);
            }
            catch (OutOfMemoryException e)
            {
                throw new WorkerFailedException(workerId, "could not be started: out of memory (is the address-space limit, ulimit -v, too low?)", e);
            }
            accepted.Expect(process);

            var first = await Task.WhenAny(accepted.Winner, process.Exited).WaitAsync(deadline.Token).ConfigureAwait(false);
            if (first != accepted.Winner || !accepted.Winner.IsCompletedSuccessfully)
            {
                await accepted.StopAsync(acceptLoop).ConfigureAwait(false);
                await first.ConfigureAwait(false); // the accept loop's own failure (too many refusals)
                throw new WorkerFailedException(workerId, $"exited with code {process.ExitCode} before it was ready{Explain(process)}");
            }
            var connection = await accepted.Winner.ConfigureAwait(false);
            await accepted.StopAsync(acceptLoop).ConfigureAwait(false);
            connection.Process = process;
            connection.ReadyMs = Stopwatch.GetElapsedTime(process.StartedTimestamp).TotalMilliseconds;
            connection.SetHandler(handler);
            try
            {
                await connection.SendWelcomeAsync(secret).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            log.WorkerReady(connection.WorkerId, connection.Hello!.ProcessId, connection.Hello.Kernel, connection.ReadyMs);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process?.Silence();
            await accepted.StopAsync(acceptLoop).ConfigureAwait(false);
            process?.Dispose();
            throw new WorkerFailedException(workerId, $"did not connect within {options.ReadyTimeout.TotalSeconds:0.#} s{(process is null ? string.Empty : Explain(process))}");
        }
        catch
        {
            process?.Silence();
            await accepted.StopAsync(acceptLoop).ConfigureAwait(false);
            process?.Dispose();
            throw;
        }
        finally
        {
            // Nothing of the listener remains on disk once its worker is in (or the launch failed).
            listener.Unlink();
        }
    }

    /// <summary>Why a Hello is refused, or null when it proves the run's secret (over this connection's challenge).</summary>
    internal static ErrorMessage? ValidateProof(HelloMessage hello, byte[] secret, byte[] challenge)
    {
        if (hello.Version != ProtocolLimits.Version)
        {
            return new ErrorMessage(null, ErrorCode.UnsupportedVersion, $"this coordinator speaks protocol {ProtocolLimits.Version}, not {hello.Version}");
        }
        if (hello.Nonce.Length != ProtocolLimits.NonceBytes
            || !HandshakeProof.Matches(hello.Proof, HandshakeProof.Hello(secret, challenge, hello.Nonce, hello.WorkerId, hello.ProcessId)))
        {
            return new ErrorMessage(null, ErrorCode.BadSecret, "the Hello does not prove this run's secret over this connection's challenge");
        }
        return null;
    }

    /// <summary>Why a Hello is refused, or null when it is the worker this launch spawned.</summary>
    internal static ErrorMessage? Validate(HelloMessage hello, byte[] secret, byte[] challenge, uint workerId, int processId, int peerProcessId)
    {
        if (ValidateProof(hello, secret, challenge) is { } refusal)
        {
            return refusal;
        }
        if (hello.WorkerId != workerId || hello.ProcessId != processId || peerProcessId != processId)
        {
            return new ErrorMessage(null, ErrorCode.BadSecret, $"no worker {hello.WorkerId} with process id {hello.ProcessId} (connected from process {peerProcessId}) was started here");
        }
        return null;
    }

    private static string Explain(WorkerProcess process)
    {
        string errors = process.RecentErrors;
        return errors.Length == 0 ? string.Empty : $": {errors}";
    }

    /// <summary>
    /// The accept loop of one launch: every connection is handshaken on its own task with its own Hello deadline,
    /// while the loop goes on accepting; the first valid Hello wins.
    /// </summary>
    private sealed class Accepting(PipeListener listener, byte[] secret, uint workerId, SupervisorOptions options, ILogger log, CancellationToken cancellationToken)
    {
        private readonly TaskCompletionSource<WorkerConnection> _winner = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<WorkerProcess> _expected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        private readonly List<Task> _handshakes = [];
        private int _refusals;
        private int _stopped;

        public Task<WorkerConnection> Winner => _winner.Task;

        public void Expect(WorkerProcess process) => _expected.TrySetResult(process);

        public async Task RunAsync()
        {
            var token = _stop.Token;
            while (!token.IsCancellationRequested)
            {
                var server = listener.CreateServer();
                try
                {
                    await server.WaitForConnectionAsync(token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    log.ClientRefused(e.Message);
                    await server.DisposeAsync().ConfigureAwait(false);
                    Refused();
                    continue;
                }
                catch
                {
                    await server.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
                lock (_handshakes)
                {
                    _handshakes.Add(HandshakeAsync(server));
                }
            }
        }

        /// <summary>Stops accepting and waits for the loop and every handshake still running.</summary>
        public async Task StopAsync(Task? acceptLoop)
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return;
            }
            await _stop.CancelAsync().ConfigureAwait(false);
            _expected.TrySetCanceled(CancellationToken.None);
            Task[] running;
            lock (_handshakes)
            {
                running = [.. _handshakes, .. acceptLoop is null ? [] : new[] { acceptLoop }];
            }
            await Task.WhenAll(running).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            _stop.Dispose();
        }

        private async Task HandshakeAsync(NamedPipeServerStream server)
        {
            var connection = new WorkerConnection(server, log);
            bool won = false;
            try
            {
                using var helloDeadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                helloDeadline.CancelAfter(options.HelloTimeout);
                await connection.SendChallengeAsync().WaitAsync(helloDeadline.Token).ConfigureAwait(false);
                var hello = await connection.ReadHelloAsync(helloDeadline.Token).ConfigureAwait(false);
                var process = await _expected.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
                var (peerProcessId, _) = SocketIo.Peer(connection.SocketDescriptor);
                if (Validate(hello, secret, connection.Challenge, workerId, process.ProcessId, peerProcessId) is { } refusal)
                {
                    log.ClientRefused(refusal.Message);
                    await connection.SendErrorAsync(refusal).ConfigureAwait(false);
                    Refused();
                    return;
                }
                won = _winner.TrySetResult(connection);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                log.ClientRefused($"no Hello within {options.HelloTimeout.TotalMilliseconds:0} ms of connecting");
                Refused();
            }
            catch (Exception e) when (e is ProtocolException or IOException or WorkerFailedException or OperationCanceledException)
            {
                // Our own worker dying before its Hello is its exit's to report, not a refused stranger.
                bool ourWorkerDied = _expected.Task.IsCompletedSuccessfully && _expected.Task.Result.HasExited;
                if (e is not OperationCanceledException && !ourWorkerDied)
                {
                    log.ClientRefused(e.Message);
                    Refused();
                }
            }
            finally
            {
                if (!won)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        private void Refused()
        {
            if (Interlocked.Increment(ref _refusals) > MaxRefusals)
            {
                _winner.TrySetException(new WorkerFailedException(workerId, "could not join: too many refused connections on its socket; is something else connecting to it?"));
            }
        }
    }
}
