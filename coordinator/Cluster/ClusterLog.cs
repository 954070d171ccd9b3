using Microsoft.Extensions.Logging;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>The cluster's lifecycle as log events: nodes joining and leaving, and the node command's own.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 101, EventName = "NodeJoined", Level = LogLevel.Debug, Message = "[cluster] node {Name} joined at {Address} with {Slots} worker slots")]
    public static partial void NodeJoined(ILogger logger, string name, string address, int slots);

    [LoggerMessage(EventId = 102, EventName = "NodeLeft", Level = LogLevel.Warning, Message = "[cluster] node {Name} left the cluster ({Status}); its workers are replaced on the others")]
    public static partial void NodeLeft(ILogger logger, string name, string status);

    [LoggerMessage(EventId = 103, EventName = "NodeUnreachable", Level = LogLevel.Debug, Message = "[cluster] node {Key} did not answer: {Reason}")]
    public static partial void NodeUnreachable(ILogger logger, string key, string reason);
}
