using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Workers;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// Starts a supervisor's workers on cluster nodes: picks the live node with the most room, asks its grain to start
/// <c>processfarm-worker --connect tcp://COORDINATOR</c>, and waits for that worker's proven Hello on the
/// <see cref="ClusterListener"/>. Replacements go to live nodes only, over the nodes' slots if need be, so a run
/// survives a node's death on the others.
/// </summary>
internal sealed class ClusterWorkerLauncher(ClusterFarm farm, int? workersPerNode) : IWorkerLauncher
{
    private readonly string _runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private readonly ConcurrentDictionary<uint, (ClusterNode Node, WorkerConnection Connection)> _workers = new();

    /// <summary>Launches waiting for their worker's Hello, with what cancels each when its node is gone.</summary>
    private readonly ConcurrentDictionary<CancellationTokenSource, ClusterNode> _launching = new();
    private WorkerSupervisor? _supervisor;

    /// <summary>The run id nodes know this supervisor's workers by.</summary>
    public string RunId => _runId;

    /// <summary>Workers this launcher places on a node that offers <paramref name="slots"/>.</summary>
    public int WorkersFor(int slots) => ClusterFarm.WorkersFor(slots, workersPerNode);

    public void Attach(WorkerSupervisor supervisor) => Volatile.Write(ref _supervisor, supervisor);

    /// <summary>
    /// The supervisor stopped its workers: leave the farm (joins no longer grow it) and ask every live node to kill
    /// what is left of this run, a worker that hung without reading its Shutdown included (bounded, errors ignored:
    /// a node that cannot be reached is gone, and its workers with it).
    /// </summary>
    public async ValueTask DetachAsync()
    {
        Volatile.Write(ref _supervisor, null);
        farm.Remove(this);
        await Task.WhenAll(farm.LiveNodes.Select(async node =>
        {
            try
            {
                await node.Grain.StopRunAsync(_runId).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Unreachable or gone: its workers die with it or with their connection.
            }
        })).ConfigureAwait(false);
    }

    public async Task<WorkerConnection> LaunchAsync(uint workerId, byte[] secret, SupervisorOptions options, IReplyHandler handler, ILogger log, CancellationToken cancellationToken)
    {
        var node = farm.PickNode(this) ?? throw new WorkerFailedException(workerId, "has no live cluster node to run on");
        var pending = farm.Listener.Expect(workerId, secret);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ReadyTimeout);
        using var nodeGone = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        _launching[nodeGone] = node;
        if (node.Gone)
        {
            nodeGone.Cancel(); // declared dead between the pick and the registration: OnNodeGone has been and gone
        }
        long started = Stopwatch.GetTimestamp();
        WorkerConnection? connection = null;
        try
        {
            int processId = await node.Grain.StartWorkerAsync(new WorkerStartRequest(_runId, workerId, farm.Listener.Endpoint, secret, farm.Listener.TlsPin)).WaitAsync(nodeGone.Token).ConfigureAwait(false);
            pending.ProcessId.TrySetResult(processId);
            connection = await pending.Connection.Task.WaitAsync(nodeGone.Token).ConfigureAwait(false);
            connection.Node = node.Status.Name;
            connection.ReadyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            connection.KillRemote = () => _ = KillQuietlyAsync(node, workerId);
            connection.SetHandler(new CountingHandler(handler, node));
            await connection.SendWelcomeAsync(secret).ConfigureAwait(false);
            _workers[workerId] = (node, connection);
            Interlocked.Increment(ref node.Connected);
            _ = connection.Completion.ContinueWith(_ => Gone(workerId), TaskScheduler.Default);
            log.WorkerReady(workerId, processId, connection.Hello!.Kernel, connection.ReadyMs);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !deadline.IsCancellationRequested)
        {
            // Membership declared the node dead while its worker was starting: no Hello can come from there.
            await AbandonAsync(node, workerId, connection).ConfigureAwait(false);
            throw new WorkerFailedException(workerId, $"did not connect: node {node.Status.Name} left the cluster while it started");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await AbandonAsync(node, workerId, connection).ConfigureAwait(false);
            throw new WorkerFailedException(workerId, $"did not connect from node {node.Status.Name} within {options.ReadyTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not (OperationCanceledException or WorkerFailedException))
        {
            // The node's grain call failed: the node died or refused (a missing worker binary there).
            ClusterFarm.Suspect(node);
            await AbandonAsync(node, workerId, connection).ConfigureAwait(false);
            throw new WorkerFailedException(workerId, $"could not be started on node {node.Status.Name}: {e.Message}", e);
        }
        catch
        {
            await AbandonAsync(node, workerId, connection).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _launching.TryRemove(nodeGone, out _);
            farm.Listener.Forget(pending);
            // A handshake that took this launch from the listener before Forget must not win it now: nobody would
            // own the connection. Cancelling first makes its TrySetResult fail, so the listener closes it.
            pending.ProcessId.TrySetCanceled(CancellationToken.None);
            if (!pending.Connection.TrySetCanceled(CancellationToken.None) && connection is null && pending.Connection.Task.IsCompletedSuccessfully)
            {
                await pending.Connection.Task.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>This launcher's workers connected now, with their nodes (a snapshot, for the node list).</summary>
    public IEnumerable<(ClusterNode Node, WorkerConnection Connection)> Connected => _workers.Values;

    /// <summary>Frame bytes the live connections to <paramref name="node"/>'s workers carried so far.</summary>
    public long LiveBytes(ClusterNode node) => _workers.Values.Where(w => w.Node == node).Sum(w => w.Connection.BytesMoved);

    /// <summary>A node joined: the supervisor grows by what this launcher places there.</summary>
    public void OnNodeJoined(ClusterNode node)
    {
        if (Volatile.Read(ref _supervisor) is { } supervisor)
        {
            supervisor.AddWorkers(WorkersFor(node.Status.Slots));
        }
    }

    /// <summary>A node left the cluster: its workers' connections are cut, so the supervisor replaces them elsewhere now.</summary>
    public void OnNodeGone(ClusterNode node)
    {
        foreach (var (launch, owner) in _launching)
        {
            if (owner == node)
            {
                try
                {
                    launch.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // That launch has just ended.
                }
            }
        }
        foreach (var (_, (owner, connection)) in _workers)
        {
            if (owner == node)
            {
                connection.Abort();
            }
        }
    }

    private void Gone(uint workerId)
    {
        if (_workers.TryRemove(workerId, out var entry))
        {
            Interlocked.Decrement(ref entry.Node.Assigned);
        }
    }

    private async Task AbandonAsync(ClusterNode node, uint workerId, WorkerConnection? connection)
    {
        Interlocked.Decrement(ref node.Assigned);
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        await KillQuietlyAsync(node, workerId).ConfigureAwait(false);
    }

    private async Task KillQuietlyAsync(ClusterNode node, uint workerId)
    {
        try
        {
            await node.Grain.KillWorkerAsync(_runId, workerId).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The node is gone or unreachable: its workers die with it, or with their connection.
        }
    }

    /// <summary>Counts each node's answered jobs for the farm's node list, and passes every reply on.</summary>
    private sealed class CountingHandler(IReplyHandler inner, ClusterNode node) : IReplyHandler
    {
        public void OnResult(WorkerConnection worker, in Shared.Protocol.JobResult result)
        {
            Interlocked.Increment(ref node.JobsDone);
            inner.OnResult(worker, result);
        }

        public void OnError(WorkerConnection worker, Shared.Protocol.ErrorMessage error)
        {
            Interlocked.Increment(ref node.JobsDone);
            inner.OnError(worker, error);
        }

        public void OnDisconnected(WorkerConnection worker, Exception? error)
        {
            Interlocked.Add(ref node.BytesMoved, worker.BytesMoved);
            inner.OnDisconnected(worker, error);
        }
    }
}
