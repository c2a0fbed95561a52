-- wrk script: POST /api/bench/items with a small JSON body that passes the bench asset's NewItem schema.
wrk.method = "POST"
wrk.body = '{"name":"widget","qty":3}'
wrk.headers["Content-Type"] = "application/json"
