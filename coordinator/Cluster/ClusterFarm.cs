using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// The coordinator's side of the cluster for one command: its silo (the primary of development clustering, or a
/// member of Redis clustering), the TCP listener its nodes' workers connect to, and the nodes as membership reports
/// them. A node that joins is offered to every supervisor using the farm; a node that membership declares dead has
/// its workers' connections cut, so they are replaced on the others at once.
/// </summary>
internal sealed class ClusterFarm : IAsyncDisposable
{
    private readonly IHost _silo;
    private readonly ILogger _log;
    private readonly IGrainFactory _grains;
    private readonly IClusterMembershipService _membership;
    private readonly Lock _gate = new();
    private readonly Dictionary<SiloAddress, ClusterNode> _nodes = [];
    private readonly HashSet<SiloAddress> _describing = [];
    private readonly List<ClusterWorkerLauncher> _launchers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private TaskCompletionSource _nodesChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FarmTls? _tls;
    private int _disposed;

    private ClusterFarm(IHost silo, ClusterListener listener, string link, FarmTls? tls, ILogger log)
    {
        _silo = silo;
        _tls = tls;
        Listener = listener;
        Link = link;
        _log = log;
        _grains = silo.Services.GetRequiredService<IGrainFactory>();
        _membership = silo.Services.GetRequiredService<IClusterMembershipService>();
        _watching = WatchAsync();
    }

    /// <summary>Where the nodes' workers connect.</summary>
    public ClusterListener Listener { get; }

    /// <summary>How the cluster is joined, for reports: "development clustering on ADDRESS:PORT" or "Redis HOST:PORT".</summary>
    public string Link { get; }

    /// <summary>The nodes seen so far, live and gone, in the order they joined.</summary>
    public IReadOnlyList<ClusterNode> Nodes
    {
        get
        {
            lock (_gate)
            {
                return [.. _nodes.Values.OrderBy(n => n.JoinedTimestamp)];
            }
        }
    }

    /// <summary>The live nodes.</summary>
    public IReadOnlyList<ClusterNode> LiveNodes => [.. Nodes.Where(n => !n.Gone)];

    /// <summary>
    /// Starts the coordinator's silo and listener and waits until <paramref name="nodes"/> nodes have joined or
    /// <paramref name="wait"/> has passed.
    /// </summary>
    /// <remarks>The farm owns <see cref="ClusterSettings.Tls"/> from here on, whether or not it starts.</remarks>
    /// <exception cref="ClusterException">The silo cannot start, or too few nodes joined in time.</exception>
    public static async Task<ClusterFarm> StartAsync(ClusterSettings settings, int nodes, TimeSpan wait, TimeSpan helloTimeout, ILogger log, bool verbose, CancellationToken cancellationToken)
    {
        ClusterListener listener;
        IHost silo;
        try
        {
            listener = ClusterListener.Start(settings.Address, 0, log, helloTimeout, settings.Tls);
        }
        catch
        {
            settings.Tls?.Dispose();
            throw;
        }
        try
        {
            silo = await FarmSilo.StartAsync(settings, null, verbose, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            settings.Tls?.Dispose();
            throw;
        }
        string link = settings.Redis is { } redis
            ? $"Redis clustering at {redis}, silo {settings.Address}:{settings.SiloPort}"
            : $"development clustering, primary silo {settings.Address}:{settings.SiloPort}";
        if (settings.Tls is not null)
        {
            link += ", TLS";
        }
        var farm = new ClusterFarm(silo, listener, link, settings.Tls, log);
        try
        {
            await farm.WaitForNodesAsync(nodes, wait, cancellationToken).ConfigureAwait(false);
            return farm;
        }
        catch
        {
            await farm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What each node seen during the run did for it, in the order they joined.</summary>
    public IReadOnlyList<NodeReport> Report()
    {
        ClusterWorkerLauncher[] launchers;
        lock (_gate)
        {
            launchers = [.. _launchers];
        }
        return [.. Nodes.Select(n => new NodeReport(
            n.Status.Name,
            n.Status.Address,
            n.Status.Slots,
            Volatile.Read(ref n.Connected),
            Interlocked.Read(ref n.JobsDone),
            Interlocked.Read(ref n.BytesMoved) + launchers.Sum(l => l.LiveBytes(n)),
            n.Gone,
            Volatile.Read(ref n.SuspectUntil) != 0))];
    }

    /// <summary>
    /// The nodes seen so far with this coordinator's workers on each now, jobs done and bytes moved (<c>serve</c>'s
    /// node list). Live figures, read without stopping anything: a connection that is closing may be counted a
    /// moment late or twice.
    /// </summary>
    public IReadOnlyList<NodeSummary> Summarize()
    {
        ClusterWorkerLauncher[] launchers;
        lock (_gate)
        {
            launchers = [.. _launchers];
        }
        var connected = launchers.SelectMany(l => l.Connected).ToLookup(c => c.Node, c => c.Connection);
        return [.. Nodes.Select(node =>
        {
            var workers = connected[node]
                .Select(c => new WorkerSummary(c.WorkerId, c.Hello?.ProcessId ?? 0, c.BytesMoved))
                .OrderBy(w => w.Id)
                .ToList();
            return new NodeSummary(
                node.Status.Name,
                node.Status.Address,
                node.Status.Slots,
                node.Gone,
                workers,
                Interlocked.Read(ref node.JobsDone),
                Interlocked.Read(ref node.BytesMoved) + workers.Sum(w => w.BytesMoved));
        })];
    }

    /// <summary>Workers a launcher with <paramref name="workersPerNode"/> places on the live nodes.</summary>
    public int Capacity(int? workersPerNode) => LiveNodes.Sum(n => WorkersFor(n.Status.Slots, workersPerNode));

    /// <summary>Workers (or rpc lanes) a run places on a node offering <paramref name="slots"/>: <paramref name="perNode"/> if given, at most the slots, at least 1.</summary>
    public static int WorkersFor(int slots, int? perNode) => Math.Max(1, Math.Min(slots, perNode ?? slots));

    /// <summary>A launcher whose supervisor has stopped: it hears of joins and deaths no more.</summary>
    public void Remove(ClusterWorkerLauncher launcher)
    {
        lock (_gate)
        {
            _launchers.Remove(launcher);
        }
    }

    /// <summary>A launcher for one supervisor; it hears of joins and deaths until the farm is disposed.</summary>
    public ClusterWorkerLauncher CreateLauncher(int? workersPerNode)
    {
        var launcher = new ClusterWorkerLauncher(this, workersPerNode);
        lock (_gate)
        {
            _launchers.Add(launcher);
        }
        return launcher;
    }

    /// <summary>The live node with the lowest share of its slots in use by <paramref name="launcher"/>'s run; its count goes up.</summary>
    public ClusterNode? PickNode(ClusterWorkerLauncher launcher)
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            // A suspected node comes last (a dead silo takes membership seconds to declare, and every start tried there
            // in the meantime would burn a restart); it is still tried when nothing else is left.
            var node = _nodes.Values.Where(n => !n.Gone)
                .OrderBy(n => Volatile.Read(ref n.SuspectUntil) > now)
                .ThenBy(n => (double)Volatile.Read(ref n.Assigned) / launcher.WorkersFor(n.Status.Slots))
                .ThenBy(n => n.JoinedTimestamp)
                .FirstOrDefault();
            if (node is not null)
            {
                Interlocked.Increment(ref node.Assigned);
            }
            return node;
        }
    }

    /// <summary>A worker could not be started on <paramref name="node"/>: pass it over for <see cref="SuspectFor"/>.</summary>
    public static void Suspect(ClusterNode node) =>
        Volatile.Write(ref node.SuspectUntil, Stopwatch.GetTimestamp() + (long)(SuspectFor.TotalSeconds * Stopwatch.Frequency));

    /// <summary>How long a node whose silo did not answer is passed over: longer than membership takes to declare it dead.</summary>
    public static readonly TimeSpan SuspectFor = TimeSpan.FromSeconds(10);

    private async Task WaitForNodesAsync(int count, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(wait);
        try
        {
            while (LiveNodes.Count < count)
            {
                Task changed;
                lock (_gate)
                {
                    changed = _nodesChanged.Task;
                }
                if (LiveNodes.Count >= count)
                {
                    break;
                }
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClusterException(string.Create(CultureInfo.InvariantCulture,
                $"{LiveNodes.Count} of {count} cluster nodes joined within {wait.TotalSeconds:0.#} s; start one on each machine with 'processfarm node --join ADDRESS:PORT{(_tls is null ? string.Empty : " --tls FILE")}' ({Link}){(_tls is null ? string.Empty : "; with --tls a node must give the same certificate file")}"));
        }
    }

    /// <summary>Follows membership: joins are described and offered, deaths cut their workers' connections.</summary>
    private async Task WatchAsync()
    {
        try
        {
            await foreach (var snapshot in _membership.MembershipUpdates.WithCancellation(_stop.Token).ConfigureAwait(false))
            {
                foreach (var member in snapshot.Members.Values)
                {
                    if (!member.Name.StartsWith(ClusterSettings.NodePrefix, StringComparison.Ordinal))
                    {
                        continue;
                    }
                    try
                    {
                        if (member.Status == SiloStatus.Active)
                        {
                            Describe(member.SiloAddress);
                        }
                        else if (member.Status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping)
                        {
                            NodeGone(member.SiloAddress, member.Status);
                        }
                    }
                    catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
                    {
                        // One member's news must not end the watch for the rest of the run.
                        ClusterLog.NodeUnreachable(_log, member.SiloAddress.ToParsableString(), e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The farm is stopping.
        }
    }

    private void Describe(SiloAddress silo)
    {
        lock (_gate)
        {
            if (_nodes.ContainsKey(silo) || !_describing.Add(silo))
            {
                return;
            }
        }
        _ = DescribeAsync(silo);
    }

    private async Task DescribeAsync(SiloAddress silo)
    {
        string key = silo.ToParsableString();
        var grain = _grains.GetGrain<INodeGrain>(key);
        try
        {
            var status = await grain.DescribeAsync().WaitAsync(TimeSpan.FromSeconds(10), _stop.Token).ConfigureAwait(false);
            var node = new ClusterNode(key, grain, status, Stopwatch.GetTimestamp());
            ClusterWorkerLauncher[] launchers;
            lock (_gate)
            {
                _describing.Remove(silo);
                if (_stop.IsCancellationRequested || _nodes.ContainsKey(silo))
                {
                    return;
                }
                _nodes[silo] = node;
                launchers = [.. _launchers];
                SignalUnsynchronized();
            }
            ClusterLog.NodeJoined(_log, status.Name, status.Address, status.Slots);
            foreach (var launcher in launchers)
            {
                launcher.OnNodeJoined(node);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (_gate)
            {
                _describing.Remove(silo);
            }
            if (!_stop.IsCancellationRequested)
            {
                ClusterLog.NodeUnreachable(_log, key, e.Message);
            }
        }
    }

    private void NodeGone(SiloAddress silo, SiloStatus status)
    {
        ClusterNode? node;
        ClusterWorkerLauncher[] launchers;
        lock (_gate)
        {
            if (!_nodes.TryGetValue(silo, out node) || node.Gone)
            {
                return;
            }
            node.Gone = true;
            launchers = [.. _launchers];
            SignalUnsynchronized();
        }
        ClusterLog.NodeLeft(_log, node.Status.Name, status.ToString());
        foreach (var launcher in launchers)
        {
            launcher.OnNodeGone(node);
        }
    }

    private void SignalUnsynchronized()
    {
        _nodesChanged.TrySetResult();
        _nodesChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Stops the listener and leaves the cluster (a bounded, graceful silo stop).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await Listener.DisposeAsync().ConfigureAwait(false);
        await FarmSilo.StopAsync(_silo).ConfigureAwait(false);
        try
        {
            await _watching.ConfigureAwait(false);
        }
        finally
        {
            _silo.Dispose();
            _tls?.Dispose();
            _stop.Dispose();
        }
    }
}
