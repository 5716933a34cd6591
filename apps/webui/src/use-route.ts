import { useEffect, useState } from 'preact/hooks'
import { parseRoute, type Route, routeHref } from './route.js'

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash))
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}

/** Goes to a route (adds a history entry, like following a link). */
export function navigate(route: Route): void {
  location.hash = routeHref(route)
}
