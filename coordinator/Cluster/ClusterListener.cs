using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// The coordinator's TCP listener for the workers that cluster nodes start (<c>--connect tcp://HOST:PORT</c>).
/// There is no SO_PEERCRED across machines: each connection gets a fresh Challenge, and only a Hello whose HMAC
/// proves a pending launch's secret over that challenge, for that launch's worker id and the process id its node
/// reported, is let in (docs/PROTOCOL.md, "Handshake"). Anything else is answered with an Error and closed; a
/// connection that says nothing is dropped after <see cref="SupervisorOptions.HelloTimeout"/>. With --tls the
/// connection is a TLS server first (<see cref="FarmTls"/>), and the Challenge goes out only inside TLS: a client
/// that speaks the plain protocol never sees one, and is closed when its bytes fail the TLS handshake or the hello
/// timeout passes.
/// </summary>
internal sealed class ClusterListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ILogger _log;
    private readonly TimeSpan _helloTimeout;
    private readonly FarmTls? _tls;
    private readonly ConcurrentDictionary<PendingWorker, byte> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _disposed;

    private ClusterListener(Socket socket, string advertised, ILogger log, TimeSpan helloTimeout, FarmTls? tls)
    {
        _socket = socket;
        _log = log;
        _helloTimeout = helloTimeout;
        _tls = tls;
        Endpoint = advertised;
        _accepting = AcceptAsync();
    }

    /// <summary>HOST:PORT that workers connect to.</summary>
    public string Endpoint { get; }

    /// <summary>With --tls, the SHA-256 hash of the certificate workers must see (their <c>--tls-pin</c>); else null.</summary>
    public string? TlsPin => _tls?.Pin;

    /// <summary>Connections refused so far (no valid proof, unknown worker, replay).</summary>
    public int Refused => Volatile.Read(ref _refused);

    private int _refused;

    private int _handshaking;

    /// <summary>Connections that may be between accept and a proven Hello at once; more are closed at once.</summary>
    public const int MaxHandshakes = 64;

    /// <summary>Listens on <paramref name="address"/> at <paramref name="port"/> (0: a free port), inside TLS when <paramref name="tls"/> is given.</summary>
    /// <exception cref="ClusterException">The address cannot be bound.</exception>
    public static ClusterListener Start(IPAddress address, int port, ILogger log, TimeSpan helloTimeout, FarmTls? tls = null)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ClusterException($"cannot listen for workers on {address}:{port}: {e.Message}", e);
        }
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        return new ClusterListener(socket, bound.ToString(), log, helloTimeout, tls);
    }

    /// <summary>Registers a launch whose worker will connect; remove it with <see cref="Forget"/> whatever happens.</summary>
    public PendingWorker Expect(uint workerId, byte[] secret)
    {
        var pending = new PendingWorker(workerId, secret);
        _pending[pending] = 0;
        return pending;
    }

    public void Forget(PendingWorker pending) => _pending.TryRemove(pending, out _);

    private async Task AcceptAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.ClientRefused($"accept failed: {e.Message}");
                continue;
            }
            if (Interlocked.Increment(ref _handshaking) > MaxHandshakes)
            {
                // Each handshake holds a thread until its Hello or its deadline: a flood is turned away at the door.
                Interlocked.Decrement(ref _handshaking);
                Interlocked.Increment(ref _refused);
                _log.ClientRefused($"{accepted.RemoteEndPoint}: {MaxHandshakes} connections are already handshaking");
                accepted.Dispose();
                continue;
            }
            accepted.NoDelay = true;
            _ = HandshakeAsync(accepted);
        }
    }

    private async Task HandshakeAsync(Socket socket)
    {
        var connection = new WorkerConnection(socket, _tls?.ServerOptions, _log);
        bool won = false;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            deadline.CancelAfter(_helloTimeout);
            await connection.SecureAsync(deadline.Token).ConfigureAwait(false);
            await connection.SendChallengeAsync().WaitAsync(deadline.Token).ConfigureAwait(false);
            var hello = await connection.ReadHelloAsync(deadline.Token).ConfigureAwait(false);
            var refusal = await MatchAsync(connection, hello, deadline.Token).ConfigureAwait(false);
            if (refusal is not null)
            {
                Interlocked.Increment(ref _refused);
                _log.ClientRefused($"{connection.RemoteEndPoint}: {refusal.Message}");
                await connection.SendErrorAsync(refusal).ConfigureAwait(false);
                return;
            }
            won = true;
        }
        catch (Exception e) when (e is OperationCanceledException or ProtocolException or IOException or WorkerFailedException)
        {
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _refused);
                _log.ClientRefused($"{connection.RemoteEndPoint}: {(e is OperationCanceledException ? $"no Hello within {_helloTimeout.TotalMilliseconds:0} ms of connecting" : e.Message)}");
            }
        }
        finally
        {
            if (!won)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            Interlocked.Decrement(ref _handshaking);
        }
    }

    /// <summary>Hands the connection to the launch it proves it belongs to; returns why not otherwise.</summary>
    private async Task<ErrorMessage?> MatchAsync(WorkerConnection connection, HelloMessage hello, CancellationToken cancellationToken)
    {
        ErrorMessage? refusal = null;
        foreach (var pending in _pending.Keys)
        {
            if (pending.WorkerId != hello.WorkerId)
            {
                continue;
            }
            refusal = WorkerLauncher.ValidateProof(hello, pending.Secret, connection.Challenge);
            if (refusal is not null)
            {
                continue;
            }
            // The node reports the worker's process id when its grain call returns, which may be after the Hello.
            int processId = await pending.ProcessId.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (processId != hello.ProcessId)
            {
                return new ErrorMessage(null, ErrorCode.BadSecret, $"worker {hello.WorkerId} runs as process {processId} on its node, not {hello.ProcessId}");
            }
            return pending.Connection.TrySetResult(connection)
                ? null
                : new ErrorMessage(null, ErrorCode.BadSecret, $"worker {hello.WorkerId} is connected already");
        }
        return refusal ?? new ErrorMessage(null, ErrorCode.BadSecret, $"no worker {hello.WorkerId} of a run here is waiting to connect");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }
}
