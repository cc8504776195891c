using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports;

/// <summary>
/// Where a transport that holds whole records in memory (shared memory's rings) hands each record
/// that arrives: its <see cref="RecordHeader"/>, with the payload of Eager and Data records right
/// behind it, valid only during the call. The engine implements it with a struct, and a node transport
/// drains through a drain made for that struct (<see cref="NodeTransport.DrainInto{TSink}"/>), so that
/// each record costs a direct, inlinable call and no interface dispatch.
/// </summary>
internal unsafe interface IRecordSink
{
    /// <summary>A record from world rank <paramref name="sourceWorld"/>. True when the caller that drives
    /// this pass has what it waits for (its blocking call completed): the transport then ends its pass
    /// over this sender's records after this one, and leaves any further record for the next pass.</summary>
    bool OnRecord(int sourceWorld, RecordHeader* header);
}
