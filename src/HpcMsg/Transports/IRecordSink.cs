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
    /// <summary>A record from world rank <paramref name="sourceWorld"/>.</summary>
    void OnRecord(int sourceWorld, RecordHeader* header);
}
